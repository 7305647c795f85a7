#!/usr/bin/env bash
# Side-by-side ANN benchmark: our HNSW (reco bench ann) against hnswlib compiled from Debian's
# libhnswlib-dev headers with -O3 -march=native, on one generated clustered dataset.
# Needs: apt-get install -y libhnswlib-dev g++ ; writes bench/results/ann.json and ann.md.
# ROUNDS=n repeats both sides n times, alternating, and reports each side's best q/s per ef and the
# ratio of every round (on a shared machine, load only ever slows a run down).
# OUT=path.json writes the report elsewhere. BEFORE=path/to/reco adds a third side, another build of reco (e.g. main's), measured in the same rounds.
set -euo pipefail
cd "$(dirname "$0")/../.."
N=${N:-100000}; D=${D:-64}; THREADS=${THREADS:-2}; EFS=${EFS:-10,16,32,64,128,256}; M=${M:-16}; EFC=${EFC:-200}
ROUNDS=${ROUNDS:-1}; BEFORE=${BEFORE:-}; OUT=${OUT:-bench/results/ann.json}
DATA=bench/ann/data/clustered-${N}x${D}
mkdir -p bench/ann/build bench/results
dotnet build cli -c Release -nologo -v q
RECO=cli/bin/Release/net10.0/reco
if [ ! -f "$DATA/truth.ivecs" ]; then
  "$RECO" bench ann --generate clustered --n "$N" --d "$D" --data-dir "$DATA" --threads "$THREADS"
fi
g++ -O3 -march=native -std=c++17 -pthread -o bench/ann/build/hnswlib_bench bench/ann/hnswlib_bench.cpp

ours() {
  "$1" bench ann --base "$DATA/base.fvecs" --query "$DATA/query.fvecs" --truth "$DATA/truth.ivecs" \
    --metric cosine --m "$M" --ef-construction "$EFC" --ef "$EFS" --threads "$THREADS" --out "$2"
}
rounds=()
for r in $(seq 1 "$ROUNDS"); do
  dir=bench/ann/build/round-$r
  rm -rf "$dir"; mkdir -p "$dir"
  uptime > "$dir/load-start.txt"
  ours "$RECO" "$dir/ours.json"
  bench/ann/build/hnswlib_bench "$DATA/base.fvecs" "$DATA/query.fvecs" "$DATA/truth.ivecs" "$M" "$EFC" "$EFS" "$THREADS" "$dir/hnswlib.json"
  if [ -n "$BEFORE" ]; then ours "$BEFORE" "$dir/before.json"; fi
  uptime > "$dir/load-end.txt"
  rounds+=("$dir")
done
/usr/bin/python3 bench/ann/report.py "$OUT" "${rounds[@]}"
cat "${OUT%.json}.md"
