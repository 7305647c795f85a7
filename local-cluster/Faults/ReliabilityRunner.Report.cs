using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace OrleansReco.LocalCluster;

/// <summary>The reliability report: JSON for tools, Markdown for people.</summary>
public sealed partial class ReliabilityRunner
{
    /// <summary>Writes <paramref name="path"/> (JSON) and the Markdown report (default: <c>reliability-report.md</c> beside it).</summary>
    public static void WriteReport(string path, IReadOnlyList<ScenarioResult> scenarios, LoadOptions load, ClusterOptions cluster, double seconds, string? markdownPath = null)
    {
        var full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        var doc = new Dictionary<string, object?>
        {
            ["scenarios"] = scenarios,
            ["load"] = new Dictionary<string, object?>
            {
                ["event_rate_per_s"] = load.EventRate, ["batch_size"] = load.BatchSize, ["query_rate_per_s"] = load.QueryRate,
                ["duration_s"] = load.Duration.TotalSeconds, ["users"] = load.Users, ["attempts_per_batch"] = load.Attempts,
            },
            ["cluster"] = new Dictionary<string, object?>
            {
                ["silos"] = $"{cluster.ServingSilos} serve + {(cluster.TrainSilo ? 1 : 0)} train", ["redis_appendfsync"] = cluster.Fsync,
                ["fast_failure_detection"] = cluster.FastFailureDetection, ["items"] = cluster.Items,
            },
            ["machine"] = new Dictionary<string, object?> { ["cores"] = Environment.ProcessorCount, ["load_average"] = LoadAverage() },
            ["total_seconds"] = Math.Round(seconds, 1),
            ["passed"] = scenarios.All(s => s.Passed),
        };
        var json = new JsonSerializerOptions { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower, NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals };
        File.WriteAllText(full, JsonSerializer.Serialize(doc, json) + "\n");

        var md = new StringBuilder();
        md.AppendLine("# Reliability under load and faults").AppendLine();
        md.AppendLine($"Cluster: redis-server (appendonly yes, appendfsync {cluster.Fsync}), {cluster.ServingSilos} serving silos + {(cluster.TrainSilo ? "1 train silo" : "no train silo")}, the HTTP gateway in Client mode; ")
          .AppendLine($"failure detection {(cluster.FastFailureDetection ? "tuned (probe timeout 2 s, 2 missed probes, grain-call timeout 10 s)" : "Orleans defaults")}. ")
          .AppendLine($"Load per scenario: {load.EventRate:F0} events/s in batches of {load.BatchSize}, {load.QueryRate:F0} recommendation queries/s, {load.Duration.TotalSeconds:F0} s, {load.Users} users; a failed batch is sent again with the same event ids (up to {load.Attempts} sends). ")
          .AppendLine($"Machine: {Environment.ProcessorCount} cores, load average {LoadAverage()}.").AppendLine();
        md.AppendLine("| scenario | sent | ok | failed (found) | indeterminate (found) | ok found | duplicated | missing (may lose) | query errors | query error window (s) | recovery (s) | recommendations equal | verdict |");
        md.AppendLine("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |");
        foreach (var s in scenarios)
            md.AppendLine(CultureInfo.InvariantCulture, $"| {s.Name} | {s.EventsSent} | {s.Ok} | {s.Failed} ({s.FailedFound}) | {s.Indeterminate} ({s.IndeterminateFound}) | {s.EventsFound} | {s.EventsDuplicated} | {s.EventsMissing} ({s.LossAllowed}) | {s.QueryErrors} | {s.QueryErrorWindowS:F2} | {s.RecoveryS:F2} | {s.RecommendationsEqual} | {(s.Passed ? "passed" : "FAILED")} |");
        md.AppendLine();
        foreach (var s in scenarios)
        {
            md.AppendLine($"- **{s.Name}** — {(s.Passed ? "passed" : "FAILED")}: faults at {string.Join(", ", s.FaultsAtS.Select(f => f.ToString("F1", CultureInfo.InvariantCulture)))} s of {s.DurationS:F1} s of load; " +
                $"{s.UnackedFound} unacknowledged events were persisted anyway; {s.EventBatchErrors} failed batch sends ({s.EventSendsUnanswered} unanswered); model: {s.ModelCheck}" +
                (s.Queries is { } q ? $"; query latency p50 {q.P50Ms:F1} ms, p99 {q.P99Ms:F1} ms, max {q.MaxMs:F0} ms" : "") +
                (string.IsNullOrEmpty(s.Notes) ? "." : $"; {s.Notes}."));
        }
        md.AppendLine().AppendLine("Every event sent is one operation: `ok` when a send was acknowledged (202, or a 503 naming its user persisted), " +
            "`indeterminate` when not and some send got no answer (timeout, connection reset), `failed` when every send got a definite refusal " +
            "(4xx/5xx, connection refused). Ok events must be stored exactly once; indeterminate and failed ones at most once. " +
            "`may lose` counts the ok events acknowledged within a scenario's loss window before its fault (only `redis-kill9-everysec`: 1 s); every missing event must be one of them. " +
            "The `redis-kill9-*` scenarios set their own appendfsync. " +
            "`ok found` counts acknowledged events present in their user's history (`GET /v1/users/{id}`, matched by event id); " +
            "`query error window` runs from the first failed query sent to the last failed query answered; `recovery` from the fault to the first " +
            "successful request sent after the last failed one. Recommendations are compared for probe users who got no events during the run.");
        File.WriteAllText(markdownPath ?? Path.Combine(Path.GetDirectoryName(full)!, "reliability-report.md"), md.ToString());
    }

    private static string LoadAverage() => File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Trim() : "";
}
