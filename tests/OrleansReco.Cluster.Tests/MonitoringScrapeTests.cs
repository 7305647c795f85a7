using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using OrleansReco.LocalCluster;
using Xunit.Abstractions;
using YamlDotNet.RepresentationModel;

namespace OrleansReco.Cluster.Tests;

/// <summary>
/// The dashboard and the alert rules of <c>k8s/components/monitoring</c> against what a real cluster exports: a
/// gateway (Client mode) and silos (serve and train) with redis-server are driven through every path the files
/// chart (events over HTTP and the stream, a dead letter, queries, a training run), then scraped; every metric name
/// in a PromQL expression of the dashboard or the rules must be in a scrape.
/// </summary>
public sealed partial class MonitoringScrapeTests(ITestOutputHelper output)
{
    private const string StreamKey = "mon:events:in";

    [Fact]
    public async Task DashboardAndRules_UseOnlyMetricsThatTheGatewayAndSilosExport()
    {
        var expressions = DashboardExpressions().Concat(RuleExpressions()).ToList();
        Assert.True(expressions.Count >= 20, $"only {expressions.Count} expressions found in k8s/components/monitoring");
        var used = expressions.SelectMany(MetricNames).ToHashSet(StringComparer.Ordinal);

        await using var cluster = await RecoCluster.StartAsync(new ClusterOptions
        {
            ServingSilos = 1,
            TrainSilo = true,
            Items = 60,
            Log = output.WriteLine,
            SiloEnvironment = new Dictionary<string, string>
            {
                ["Reco__Events__Stream__Key"] = StreamKey,
                ["Logging__LogLevel__OrleansReco.Trainer"] = "Information",
            },
        });
        using var client = cluster.CreateClient(TimeSpan.FromSeconds(60));
        long now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var events = Enumerable.Range(0, 20).Select(i => new LoadEvent($"mon-{i}", $"mon-user-{i % 4}", RecoCluster.ItemId(i), "view", now)).ToList();
        Assert.Equal(System.Net.HttpStatusCode.Accepted, await client.PostEventsAsync(events));
        await client.RecommendAsync("mon-user-1", 5);

        // A stream entry without item_id, type and timestamp: the serving silo dead-letters it (and has probed the lag first).
        var serving = cluster.ServingSilos.Single();
        await cluster.Redis.CommandAsync("XADD", StreamKey, "*", "user_id", "mon-user-1");
        await serving.Process!.WaitForLineAsync("dead-lettered", TimeSpan.FromSeconds(60), "dead-lettering a bad stream entry");

        // A training run over 20 events ends skipped (below Trainer:MinEvents), which counts a run all the same.
        await client.RetrainAsync();
        var trainer = cluster.Silos.Single(s => s.Role == "train");
        await trainer.Process!.WaitForLineAsync("ended", TimeSpan.FromSeconds(120), "a training run ending");

        var exported = new HashSet<string>(StringComparer.Ordinal);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        foreach (var url in cluster.Silos.Select(s => s.HttpUrl).Append(cluster.GatewayManagementUrl))
            foreach (var line in (await http.GetStringAsync(new Uri(url, "/metrics"))).Split('\n'))
                if (line.Length > 0 && line[0] != '#') exported.Add(SeriesName().Match(line).Value);

        var missing = used.Where(name => !exported.Contains(name)).OrderBy(n => n, StringComparer.Ordinal).ToList();
        Assert.True(missing.Count == 0,
            $"Used by the dashboard or the rules but in no scrape: {string.Join(", ", missing)}.\n"
            + $"Exported reco_*: {string.Join(", ", exported.Where(n => n.StartsWith("reco_", StringComparison.Ordinal)).Order())}");
        // The check itself must see the names it is about.
        Assert.Contains("reco_training_runs_total", used);
        Assert.Contains("reco_stream_lag", used);
        Assert.Contains("reco_recommend_latency_milliseconds_bucket", used);
    }

    [Theory]
    [InlineData("histogram_quantile(0.99, sum by (le) (rate(reco_x_milliseconds_bucket{kind=\"user\"}[5m]))) > 50", "reco_x_milliseconds_bucket")]
    [InlineData("sum(rate(a_total{s=~\"5..\"}[5m])) / sum(rate(b_total[5m])) > 0.01", "a_total,b_total")]
    [InlineData("x > 0 and (sum(rate(y[10m])) or vector(0)) == 0", "x,y")]
    [InlineData("count(count by (version) (reco_model_version)) > 1", "reco_model_version")]
    [InlineData("max by (instance, version) (m) offset 5m", "m")]
    public void MetricNames_FindsSeriesNamesOnly(string expression, string expected)
    {
        Assert.Equal(expected.Split(',').Order(), MetricNames(expression).Order());
    }

    /// <summary>Metric names in a PromQL expression: identifiers that are not functions, keywords, label names or durations.</summary>
    public static IEnumerable<string> MetricNames(string expression)
    {
        string bare = Quoted().Replace(expression, "\"\"");
        bare = LabelMatchers().Replace(bare, "");
        bare = Ranges().Replace(bare, "");
        bare = Grouping().Replace(bare, "");
        bare = Offset().Replace(bare, "");
        foreach (Match m in Identifier().Matches(bare))
        {
            string name = m.Groups["name"].Value;
            if (m.Groups["call"].Success || Keywords.Contains(name)) continue;
            yield return name;
        }
    }

    private static readonly HashSet<string> Keywords = new(StringComparer.Ordinal) { "and", "or", "unless", "bool", "offset", "inf", "nan", "Inf", "NaN" };

    private static IEnumerable<string> DashboardExpressions()
    {
        var dashboard = JsonNode.Parse(File.ReadAllText(Path.Combine(MonitoringFolder, "orleans-reco-dashboard.json")))!;
        foreach (var panel in dashboard["panels"]!.AsArray())
            foreach (var target in panel!["targets"]!.AsArray())
                yield return (string)target!["expr"]!;
    }

    private static IEnumerable<string> RuleExpressions()
    {
        var yaml = new YamlStream();
        yaml.Load(new StringReader(File.ReadAllText(Path.Combine(MonitoringFolder, "prometheus-rule.yaml"))));
        var root = (YamlMappingNode)yaml.Documents[0].RootNode;
        foreach (YamlMappingNode group in (YamlSequenceNode)((YamlMappingNode)root["spec"])["groups"])
            foreach (YamlMappingNode rule in (YamlSequenceNode)group["rules"])
                yield return ((YamlScalarNode)rule["expr"]).Value!;
    }

    private static string MonitoringFolder => Path.Combine(BuildOutput.Root.FullName, "k8s", "components", "monitoring");

    [GeneratedRegex("^[a-zA-Z_:][a-zA-Z0-9_:]*")]
    private static partial Regex SeriesName();

    [GeneratedRegex("\"(?:[^\"\\\\]|\\\\.)*\"")]
    private static partial Regex Quoted();

    [GeneratedRegex(@"\{[^}]*\}")]
    private static partial Regex LabelMatchers();

    [GeneratedRegex(@"\[[^\]]*\]")]
    private static partial Regex Ranges();

    [GeneratedRegex(@"\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)")]
    private static partial Regex Grouping();

    [GeneratedRegex(@"\boffset\s+\S+")]
    private static partial Regex Offset();

    [GeneratedRegex(@"(?<![\w.])(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(?<call>\s*\()?")]
    private static partial Regex Identifier();
}
