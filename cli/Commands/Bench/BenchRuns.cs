using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace OrleansReco.Cli.Commands.Bench;

/// <summary>
/// Repeated runs of a benchmark, combined: every number of the result becomes the median over the runs (arrays
/// element by element, objects key by key), <c>spread</c> holds the same shape with <c>[min, max]</c> for each number,
/// and <c>runs</c> keeps each run whole.
/// </summary>
internal static class BenchRuns
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    public static JsonObject Combine(IReadOnlyList<JsonObject> runs)
    {
        if (runs.Count == 0) throw new ArgumentException("No runs to combine.", nameof(runs));
        var combined = (JsonObject)Median(runs.Cast<JsonNode?>().ToList())!;
        combined["repeat"] = runs.Count;
        combined["spread"] = Spread(runs.Cast<JsonNode?>().ToList());
        combined["runs"] = new JsonArray(runs.Select(r => (JsonNode?)r.DeepClone()).ToArray());
        return combined;
    }

    /// <summary>Writes the JSON and a Markdown summary beside it (same name, <c>.md</c>); prints the Markdown.</summary>
    public static void Write(FileInfo output, JsonObject combined, string title, string description)
    {
        output.Directory?.Create();
        File.WriteAllText(output.FullName, combined.ToJsonString(Indented) + "\n");
        string md = Markdown(combined, title, description);
        File.WriteAllText(Path.ChangeExtension(output.FullName, ".md"), md);
        Console.WriteLine(md);
    }

    private static JsonNode? Median(List<JsonNode?> nodes)
    {
        var first = nodes[0];
        switch (first)
        {
            case JsonObject o:
                var result = new JsonObject();
                foreach (var (key, _) in o) result[key] = Median(nodes.Select(n => (n as JsonObject)?[key]).ToList());
                return result;
            case JsonArray a when nodes.All(n => n is JsonArray b && b.Count == a.Count):
                return new JsonArray(Enumerable.Range(0, a.Count).Select(i => Median(nodes.Select(n => ((JsonArray)n!)[i]).ToList())).ToArray());
            case JsonValue when Numbers(nodes) is { Length: > 0 } values:
                Array.Sort(values);
                int m = values.Length / 2;
                double median = values.Length % 2 == 1 ? values[m] : (values[m - 1] + values[m]) / 2;
                return JsonValue.Create(Math.Round(median, 3));
            default:
                return first?.DeepClone();
        }
    }

    private static JsonNode? Spread(List<JsonNode?> nodes)
    {
        var first = nodes[0];
        switch (first)
        {
            case JsonObject o:
                var result = new JsonObject();
                foreach (var (key, _) in o)
                    if (Spread(nodes.Select(n => (n as JsonObject)?[key]).ToList()) is { } s) result[key] = s;
                return result.Count == 0 ? null : result;
            case JsonArray a when nodes.All(n => n is JsonArray b && b.Count == a.Count):
                var items = Enumerable.Range(0, a.Count).Select(i => Spread(nodes.Select(n => ((JsonArray)n!)[i]).ToList())).ToArray();
                return items.All(i => i is null) ? null : new JsonArray(items);
            case JsonValue when Numbers(nodes) is { Length: > 0 } values:
                return new JsonArray(Math.Round(values.Min(), 3), Math.Round(values.Max(), 3));
            default:
                return null;
        }
    }

    private static double[] Numbers(List<JsonNode?> nodes) =>
        nodes.OfType<JsonValue>().Where(v => v.GetValueKind() == JsonValueKind.Number).Select(v => v.GetValue<double>()).ToArray();

    private static string Markdown(JsonObject r, string title, string description)
    {
        var md = new StringBuilder();
        md.AppendLine("# " + title).AppendLine();
        md.AppendLine(description).AppendLine();
        int repeat = (int?)r["repeat"] ?? 1;
        md.AppendLine(CultureInfo.InvariantCulture, $"Figures are medians of {repeat} run(s); brackets give [min, max] over the runs. Load average at the end of each run: {string.Join("; ", (r["runs"] as JsonArray ?? []).Select(x => (string?)x?["load_average"]))}.").AppendLine();
        if (r["recommend"] is JsonArray rows && rows.Count > 0)
        {
            var spreads = r["spread"]?["recommend"] as JsonArray;
            bool runtime = rows[0]?["runtime"] is not null;
            md.Append("| rate (req/s) | achieved | p50 ms | p90 ms | p99 ms | p99 [min, max] | max ms | errors |");
            md.AppendLine(runtime ? " GC pauses | longest pause ms | KiB allocated / request | thread-pool queue max |" : "");
            md.Append("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |").AppendLine(runtime ? " ---: | ---: | ---: | ---: |" : "");
            for (int i = 0; i < rows.Count; i++)
            {
                var x = rows[i]!;
                md.Append(CultureInfo.InvariantCulture, $"| {N(x["rate"])} | {N(x["achieved_rate"])} | {F(x["p50_ms"])} | {F(x["p90_ms"])} | {F(x["p99_ms"])} | {Range(spreads?[i]?["p99_ms"])} | {F(x["max_ms"])} | {N(x["errors"])} |");
                if (runtime)
                {
                    var rt = x["runtime"]!;
                    md.Append(CultureInfo.InvariantCulture, $" {N(rt["gc_pauses"])} | {F(rt["gc_pause_max_ms"])} | {((double?)rt["allocated_bytes_per_op"] ?? 0) / 1024:F1} | {N(rt["threadpool_queue_max"])} |");
                }
                md.AppendLine();
            }
            md.AppendLine();
            if (rows[0]?["process_cpu_cores"] is JsonObject { Count: > 0 } firstCpu)
            {
                // Cores each process used during each rate window (the Redis path records them).
                var names = firstCpu.Select(c => c.Key).ToList();
                md.AppendLine("| rate (req/s) | machine busy | " + string.Join(" | ", names.Select(n => n + " cores")) + " |");
                md.AppendLine("| ---: | ---: |" + string.Concat(names.Select(_ => " ---: |")));
                foreach (var x in rows)
                    md.AppendLine(CultureInfo.InvariantCulture,
                        $"| {N(x?["rate"])} | {F(x?["machine_busy"])} | {string.Join(" | ", names.Select(n => F(x?["process_cpu_cores"]?[n])))} |");
                md.AppendLine();
            }
        }
        md.AppendLine("| measure | median | [min, max] |");
        md.AppendLine("| --- | ---: | ---: |");
        foreach (var (path, value, spread) in Flatten(r, r["spread"], ""))
            md.AppendLine(CultureInfo.InvariantCulture, $"| {path} | {value} | {spread} |");
        return md.ToString();
    }

    private static readonly HashSet<string> Skipped = ["recommend", "runs", "spread", "repeat", "shard_stats", "load_average", "cores"];

    private static IEnumerable<(string Path, string Value, string Spread)> Flatten(JsonNode? node, JsonNode? spread, string prefix)
    {
        if (node is not JsonObject o) yield break;
        foreach (var (key, value) in o)
        {
            if (prefix.Length == 0 && Skipped.Contains(key)) continue;
            string path = prefix.Length == 0 ? key : prefix + "." + key;
            switch (value)
            {
                case JsonObject:
                    foreach (var row in Flatten(value, spread?[key], path)) yield return row;
                    break;
                case JsonValue v when v.GetValueKind() == JsonValueKind.Number:
                    yield return (path, F(v), Range(spread?[key]));
                    break;
                case JsonValue v:
                    yield return (path, v.ToJsonString().Trim('"'), "");
                    break;
            }
        }
    }

    private static string F(JsonNode? n) => n is JsonValue v && v.GetValueKind() == JsonValueKind.Number
        ? v.GetValue<double>() switch { var d when Math.Abs(d) >= 1000 => d.ToString("N0", CultureInfo.InvariantCulture), var d => d.ToString("0.###", CultureInfo.InvariantCulture) }
        : "–";

    private static string N(JsonNode? n) => n is JsonValue v && v.GetValueKind() == JsonValueKind.Number ? v.GetValue<double>().ToString("N0", CultureInfo.InvariantCulture) : "–";

    private static string Range(JsonNode? n) => n is JsonArray { Count: 2 } a ? $"[{F(a[0])}, {F(a[1])}]" : "";
}
