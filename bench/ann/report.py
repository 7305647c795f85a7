"""Merges the two runs of bench/ann/run.sh into bench/results/ann.json and ann.md with ratios and target checks."""
import json
import sys

ours_path, theirs_path, out_path, load = sys.argv[1:5]
ours = json.load(open(ours_path))
theirs = json.load(open(theirs_path))


def at_recall(runs, target):
    """Smallest-ef run reaching the recall target, or None."""
    for run in sorted(runs, key=lambda r: r["ef"]):
        if run["recall_at_10"] >= target:
            return run
    return None


targets = []
for recall in (0.95, 0.99):
    a, b = at_recall(ours["runs"], recall), at_recall(theirs["runs"], recall)
    ratio = a["qps"] / b["qps"] if a and b else None
    targets.append({"target": f"qps at recall@10 >= {recall}", "ours": a, "hnswlib": b,
                    "ratio": ratio, "met": ratio is not None and ratio >= 1.0})
build_ratio = ours["build_seconds"] / theirs["build_seconds"]
memory_ratio = ours["index_bytes"] / theirs["index_bytes"]
targets.append({"target": "build seconds <= 1.2 x hnswlib", "ratio": build_ratio, "met": build_ratio <= 1.2})
targets.append({"target": "index bytes <= 1.2 x hnswlib", "ratio": memory_ratio, "met": memory_ratio <= 1.2})

merged = dict(ours)
merged["load"] = load
merged["hnswlib"] = theirs
merged["targets"] = targets
json.dump(merged, open(out_path, "w"), indent=2)

lines = [
    "# ANN benchmark: OrleansReco HNSW vs hnswlib",
    "",
    f"Dataset: {ours['dataset']['n']} x {ours['dataset']['d']} clustered (1,000 Zipf-sized Gaussian clusters, L2-normalised), "
    f"{ours['dataset']['queries']} queries, cosine, M {ours['m']}, efConstruction {ours['ef_construction']}, {ours['threads']} build threads. "
    "hnswlib 0.6.2 (Debian headers, g++ -O3 -march=native). QPS: one query at a time on one thread.",
    "",
    f"Machine load at the end: `{load.strip()}`",
    "",
    "| | ours | hnswlib | ratio |",
    "| --- | ---: | ---: | ---: |",
    f"| build seconds | {ours['build_seconds']:.2f} | {theirs['build_seconds']:.2f} | {build_ratio:.2f} |",
    f"| index bytes | {ours['index_bytes']:,} | {theirs['index_bytes']:,} (RSS growth) | {memory_ratio:.2f} |",
    f"| brute-force q/s | {ours['brute_force_qps']:.0f} | | |",
    "",
    "| ef | recall@10 ours | recall@10 hnswlib | q/s ours | q/s hnswlib | q/s ratio |",
    "| ---: | ---: | ---: | ---: | ---: | ---: |",
]
theirs_by_ef = {r["ef"]: r for r in theirs["runs"]}
for r in ours["runs"]:
    t = theirs_by_ef.get(r["ef"])
    if t:
        lines.append(f"| {r['ef']} | {r['recall_at_10']:.4f} | {t['recall_at_10']:.4f} | {r['qps']:.0f} | {t['qps']:.0f} | {r['qps'] / t['qps']:.2f} |")
lines += ["", "| target | ratio | met |", "| --- | ---: | :---: |"]
for t in targets:
    detail = ""
    if "ours" in t:
        o, h = t["ours"], t["hnswlib"]
        detail = f" (ours ef {o['ef'] if o else '-'}, hnswlib ef {h['ef'] if h else '-'})"
    ratio = f"{t['ratio']:.2f}" if t["ratio"] is not None else "n/a"
    lines.append(f"| {t['target']}{detail} | {ratio} | {'yes' if t['met'] else 'no'} |")
open(out_path[:-5] + ".md", "w").write("\n".join(lines) + "\n")
