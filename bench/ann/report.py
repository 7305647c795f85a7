"""Merges the rounds of bench/ann/run.sh into bench/results/ann.json and ann.md with ratios and target checks.

Usage: report.py OUT.json ROUND_DIR...; each round folder holds ours.json, hnswlib.json, optionally before.json
(another build of ours) and the load averages at its start and end (load-start.txt, load-end.txt).
Per side and ef the best q/s over the rounds is kept (load on a shared machine only slows a run down);
the ratio of every single round is listed beside it, so a lucky round shows up as an outlier.
"""
import json
import os
import sys

out_path, round_dirs = sys.argv[1], sys.argv[2:]


def read(path):
    return json.load(open(path)) if os.path.exists(path) else None


def text(path):
    return open(path).read().strip() if os.path.exists(path) else ""


rounds = [{"ours": read(os.path.join(d, "ours.json")), "hnswlib": read(os.path.join(d, "hnswlib.json")),
           "before": read(os.path.join(d, "before.json")),
           "load_start": text(os.path.join(d, "load-start.txt")), "load_end": text(os.path.join(d, "load-end.txt"))}
          for d in round_dirs]


def best(side):
    """One run per side: best q/s per ef, mean recall per ef, fastest build, and its memory, over the rounds."""
    runs = [r[side] for r in rounds if r[side]]
    if not runs:
        return None
    merged = dict(runs[0])
    by_ef = {}
    for run in runs:
        for e in run["runs"]:
            by_ef.setdefault(e["ef"], []).append(e)
    merged["runs"] = [{"ef": ef, "qps": max(e["qps"] for e in es),
                       "recall_at_10": sum(e["recall_at_10"] for e in es) / len(es)} for ef, es in sorted(by_ef.items())]
    merged["build_seconds"] = min(run["build_seconds"] for run in runs)
    merged["index_bytes"] = min(run["index_bytes"] for run in runs)
    return merged


ours, theirs, before = best("ours"), best("hnswlib"), best("before")


def at_recall(runs, target):
    """Smallest-ef run reaching the recall target, or None."""
    for run in sorted(runs, key=lambda r: r["ef"]):
        if run["recall_at_10"] >= target:
            return run
    return None


def qps_by_ef(side):
    return {e["ef"]: e["qps"] for e in side["runs"]} if side else {}


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

load = "; ".join(f"round {i + 1}: {r['load_start'].split('load average:')[-1].strip()} -> "
                 f"{r['load_end'].split('load average:')[-1].strip()}" for i, r in enumerate(rounds))
merged = dict(ours)
merged["load"] = load
merged["hnswlib"] = theirs
if before:
    merged["before"] = before
merged["rounds"] = rounds
merged["targets"] = targets
json.dump(merged, open(out_path, "w"), indent=2)


def round_ratios(side, ef):
    values = []
    for r in rounds:
        a, b = qps_by_ef(r[side]).get(ef), qps_by_ef(r["hnswlib"]).get(ef)
        if a and b:
            values.append(f"{a / b:.2f}")
    return " / ".join(values)


theirs_qps = qps_by_ef(theirs)
lines = [
    "# ANN benchmark: OrleansReco HNSW vs hnswlib",
    "",
    f"Dataset: {ours['dataset']['n']} x {ours['dataset']['d']} clustered (1,000 Zipf-sized Gaussian clusters, L2-normalised), "
    f"{ours['dataset']['queries']} queries, cosine, M {ours['m']}, efConstruction {ours['ef_construction']}, {ours['threads']} build threads. "
    "hnswlib 0.6.2 (Debian headers, g++ -O3 -march=native). QPS: one query at a time on one thread.",
    "",
    f"{len(rounds)} round(s), each building and querying every side in turn; per side the best q/s and fastest build "
    "over the rounds, recall averaged; the per-round ratios are listed too.",
    "",
    f"Machine load (1/5/15-minute averages) at the start and end of each round: {load}",
    "",
    "| | ours | hnswlib | ratio |",
    "| --- | ---: | ---: | ---: |",
    f"| build seconds | {ours['build_seconds']:.2f} | {theirs['build_seconds']:.2f} | {build_ratio:.2f} |",
    f"| index bytes | {ours['index_bytes']:,} | {theirs['index_bytes']:,} (RSS growth) | {memory_ratio:.2f} |",
    f"| brute-force q/s | {ours['brute_force_qps']:.0f} | | |",
    "",
    "| ef | recall@10 ours | recall@10 hnswlib | q/s ours | q/s hnswlib | q/s ratio | per round |",
    "| ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
]
theirs_recall = {r["ef"]: r["recall_at_10"] for r in theirs["runs"]}
for r in ours["runs"]:
    t = theirs_qps.get(r["ef"])
    if t:
        lines.append(f"| {r['ef']} | {r['recall_at_10']:.4f} | {theirs_recall[r['ef']]:.4f} | {r['qps']:.0f} | {t:.0f} "
                     f"| {r['qps'] / t:.2f} | {round_ratios('ours', r['ef'])} |")
if before:
    lines += ["", "Before (another build of ours, measured in the same rounds):", "",
              f"build seconds {before['build_seconds']:.2f} ({before['build_seconds'] / theirs['build_seconds']:.2f} x hnswlib), "
              f"index bytes {before['index_bytes']:,} ({before['index_bytes'] / theirs['index_bytes']:.2f} x hnswlib)", "",
              "| ef | recall@10 before | q/s before | q/s ratio before | per round | q/s after / before |",
              "| ---: | ---: | ---: | ---: | ---: | ---: |"]
    ours_qps = qps_by_ef(ours)
    for r in before["runs"]:
        t = theirs_qps.get(r["ef"])
        if t:
            lines.append(f"| {r['ef']} | {r['recall_at_10']:.4f} | {r['qps']:.0f} | {r['qps'] / t:.2f} "
                         f"| {round_ratios('before', r['ef'])} | {ours_qps.get(r['ef'], 0) / r['qps']:.2f} |")
lines += ["", "| target | ratio | met |", "| --- | ---: | :---: |"]
for t in targets:
    detail = ""
    if "ours" in t:
        o, h = t["ours"], t["hnswlib"]
        detail = f" (ours ef {o['ef'] if o else '-'}, hnswlib ef {h['ef'] if h else '-'})"
    ratio = f"{t['ratio']:.2f}" if t["ratio"] is not None else "n/a"
    lines.append(f"| {t['target']}{detail} | {ratio} | {'yes' if t['met'] else 'no'} |")
open(out_path[:-5] + ".md", "w").write("\n".join(lines) + "\n")
