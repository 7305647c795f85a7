using System.CommandLine;
using System.Diagnostics;
using OrleansReco.LocalCluster;

namespace OrleansReco.Cli.Commands.Bench;

/// <summary>
/// <c>reco bench reliability</c>: each fault scenario on a fresh real cluster on this machine (redis-server with
/// AOF, three silo processes, the gateway) under load; checks that every acknowledged event is stored exactly once
/// and measures the query error window and the recovery time. Writes the JSON report and a Markdown report.
/// </summary>
internal static class ReliabilityBenchCommand
{
    public static Command Create()
    {
        var quick = new Option<bool>("--quick") { Description = "Shorter runs (12 s of load at half the rates)." };
        var only = new Option<string?>("--scenarios") { Description = "Comma-separated scenario names (default: all)." };
        var eventRate = new Option<double>("--event-rate") { Description = "Events per second.", DefaultValueFactory = _ => 200 };
        var queryRate = new Option<double>("--query-rate") { Description = "Queries per second.", DefaultValueFactory = _ => 50 };
        var seconds = new Option<double>("--seconds") { Description = "Seconds of load per scenario.", DefaultValueFactory = _ => 20 };
        var defaults = new Option<bool>("--default-failure-detection") { Description = "Keep Orleans' membership and call-timeout defaults (for comparison)." };
        var fsync = new Option<string>("--appendfsync") { Description = "Redis appendfsync: always (the guarantee) or everysec.", DefaultValueFactory = _ => "always" };
        var keep = new Option<bool>("--keep") { Description = "Keep each cluster's work folder (logs, Redis data)." };
        var output = new Option<FileInfo>("--out") { Description = "JSON report (reliability-report.md is written beside it unless --markdown is given).", DefaultValueFactory = _ => new FileInfo("report.json") };
        var markdown = new Option<FileInfo?>("--markdown") { Description = "Markdown report path." };
        var command = new Command("reliability", "Fault scenarios on a real multi-process cluster under load: nothing acknowledged lost, error window, recovery.")
        {
            quick, only, eventRate, queryRate, seconds, defaults, fsync, keep, output, markdown,
        };
        command.SetAction(async (parse, cancellation) =>
        {
            bool q = parse.GetValue(quick);
            var load = new LoadOptions
            {
                EventRate = parse.GetValue(eventRate) / (q ? 2 : 1),
                QueryRate = parse.GetValue(queryRate) / (q ? 2 : 1),
                Duration = TimeSpan.FromSeconds(q ? Math.Min(12, parse.GetValue(seconds)) : parse.GetValue(seconds)),
            };
            var cluster = new ClusterOptions { FastFailureDetection = !parse.GetValue(defaults), Fsync = parse.GetValue(fsync)!, KeepWorkDirectory = parse.GetValue(keep) };
            if (cluster.Fsync is not ("always" or "everysec"))
            {
                Console.Error.WriteLine($"reco bench reliability: --appendfsync must be always or everysec, not '{cluster.Fsync}'.");
                return 2;
            }
            var scenarios = ReliabilityRunner.All(faultAt: q ? 3 : 5, restartAfter: q ? 3 : 5);
            if (parse.GetValue(only) is { } names)
            {
                var wanted = names.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
                var unknown = wanted.Where(n => scenarios.All(s => s.Name != n)).ToArray();
                if (unknown.Length > 0)
                {
                    Console.Error.WriteLine($"reco bench reliability: --scenarios: unknown {string.Join(", ", unknown)}; known: {string.Join(", ", scenarios.Select(s => s.Name))}.");
                    return 2;
                }
                scenarios = scenarios.Where(s => wanted.Contains(s.Name)).ToArray();
            }
            var clock = Stopwatch.StartNew();
            var runner = new ReliabilityRunner(load, cluster, line => Console.Error.WriteLine(line));
            var results = new List<ScenarioResult>();
            foreach (var scenario in scenarios) results.Add(await runner.RunAsync(scenario, cancellation));
            var json = parse.GetValue(output)!;
            ReliabilityRunner.WriteReport(json.FullName, results, load, cluster, clock.Elapsed.TotalSeconds, parse.GetValue(markdown)?.FullName);
            Console.Error.WriteLine($"bench reliability: {results.Count(r => r.Passed)} of {results.Count} scenarios passed in {clock.Elapsed.TotalSeconds:F0} s → {json.FullName}");
            return results.All(r => r.Passed) ? 0 : 1;
        });
        return command;
    }
}
