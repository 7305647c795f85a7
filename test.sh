#!/usr/bin/env bash
# Restores, builds (Release) and runs every test project; prints the totals as "N passed, N failed, N skipped".
# Exits non-zero if the build fails, any test fails, or a test project produced no results or did not complete.
set -uo pipefail
cd "$(dirname "$0")"
CONFIGURATION="${CONFIGURATION:-Release}"
RESULTS="$PWD/.test-results"

if ! dotnet build OrleansReco.sln -c "$CONFIGURATION" -nologo -clp:ErrorsOnly; then
  echo "build failed"
  echo "0 passed, 1 failed"
  exit 1
fi

rm -rf "$RESULTS"
mkdir -p "$RESULTS"
passed=0; failed=0; skipped=0; broken=0
for project in tests/*/*.csproj; do
  name="$(basename "$project" .csproj)"
  echo "=== $name"
  dotnet test "$project" -c "$CONFIGURATION" --no-build --nologo \
    --logger "trx;LogFileName=$name.trx" --logger "console;verbosity=normal" \
    --results-directory "$RESULTS" --blame-hang-timeout 10m 2>&1 | tee "$RESULTS/$name.log"
  status=${PIPESTATUS[0]}
  trx="$RESULTS/$name.trx"
  if [[ ! -f "$trx" ]]; then
    echo "no results for $name (test host crashed or did not start)"
    broken=$((broken + 1))
    continue
  fi
  counters="$(grep -o '<Counters [^>]*>' "$trx" | head -1)"
  count() { echo "$counters" | sed -n "s/.* $1=\"\([0-9]*\)\".*/\1/p"; }
  p="$(count passed)"; f="$(count failed)"; e="$(count error)"; t="$(count timeout)"; a="$(count aborted)"; n="$(count notExecuted)"
  passed=$((passed + ${p:-0})); failed=$((failed + ${f:-0} + ${e:-0} + ${t:-0} + ${a:-0})); skipped=$((skipped + ${n:-0}))
  # A run the test host did not finish (a crash, or a hang the blame collector stopped) writes results for the tests
  # it got through and none for the rest: it fails even when no test is counted as failed.
  if [[ $((${f:-0} + ${e:-0} + ${t:-0} + ${a:-0})) -eq 0 ]] && { [[ "$status" -ne 0 ]] || ! grep -q '<ResultSummary outcome="Completed"' "$trx"; }; then
    echo "$name: the test run did not complete (dotnet test exit code $status)"
    broken=$((broken + 1))
  fi
done
failed=$((failed + broken))
# Repeat what failed at the end, where a truncated log still shows it.
for log in "$RESULTS"/*.log; do
  grep -E -A 12 '^\s+Failed [A-Za-z]' "$log" | head -60
done
echo "${passed} passed, ${failed} failed, ${skipped} skipped"
[[ "$failed" -eq 0 && "$passed" -gt 0 ]]
