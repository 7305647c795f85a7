using System.CommandLine;
using OrleansReco.LocalCluster;

namespace OrleansReco.Cli.Commands.Bench;

/// <summary>
/// <c>reco bench load</c>: open-loop load on a running gateway (loopback only): event batches and recommendation
/// queries at set rates, bounded in count and time; every event id answered 202 goes to the ack log (JSON lines);
/// throughput, latency percentiles and errors per second are printed (and written) as JSON.
/// </summary>
internal static class LoadBenchCommand
{
    public static Command Create()
    {
        var url = new Option<string>("--url") { Description = "Gateway base URL; loopback only (localhost, 127.0.0.1, [::1]).", DefaultValueFactory = _ => "http://127.0.0.1:5000" };
        var key = new Option<string?>("--api-key") { Description = "API key with write scope (default: environment RECO_API_KEY)." };
        var eventRate = new Option<double>("--event-rate") { Description = "Events per second.", DefaultValueFactory = _ => 200 };
        var batch = new Option<int>("--batch-size") { Description = "Events per POST /v1/events.", DefaultValueFactory = _ => 10 };
        var queryRate = new Option<double>("--query-rate") { Description = "Recommendation queries per second (0: none).", DefaultValueFactory = _ => 50 };
        var seconds = new Option<double>("--seconds") { Description = "Duration bound.", DefaultValueFactory = _ => 20 };
        var maxEvents = new Option<int>("--max-events") { Description = "Count bound: events in total.", DefaultValueFactory = _ => 10_000 };
        var users = new Option<int>("--users") { Description = "Users the load spreads over.", DefaultValueFactory = _ => 100 };
        var items = new Option<int>("--items") { Description = "Items the events name (item-0 … item-N-1).", DefaultValueFactory = _ => 300 };
        var attempts = new Option<int>("--attempts") { Description = "Sends per batch (retries keep the event ids).", DefaultValueFactory = _ => 4 };
        var acks = new Option<FileInfo>("--acks") { Description = "Ack log: one JSON line per acknowledged event.", DefaultValueFactory = _ => new FileInfo("load-acks.jsonl") };
        var output = new Option<FileInfo?>("--out") { Description = "Also write the JSON summary here." };
        var command = new Command("load", "Open-loop load (events and queries) on a gateway on this machine; JSON summary and an ack log.")
        {
            url, key, eventRate, batch, queryRate, seconds, maxEvents, users, items, attempts, acks, output,
        };
        command.SetAction(async (parse, cancellation) =>
        {
            var options = new LoadOptions
            {
                EventRate = parse.GetValue(eventRate), BatchSize = parse.GetValue(batch), QueryRate = parse.GetValue(queryRate),
                Duration = TimeSpan.FromSeconds(parse.GetValue(seconds)), MaxEvents = parse.GetValue(maxEvents),
                Users = parse.GetValue(users), Items = parse.GetValue(items), Attempts = parse.GetValue(attempts),
            };
            return await RunAsync(parse.GetValue(url)!, parse.GetValue(key), options, parse.GetValue(acks)!, parse.GetValue(output), cancellation);
        });
        return command;
    }

    private static async Task<int> RunAsync(string url, string? key, LoadOptions options, FileInfo acks, FileInfo? output, CancellationToken cancellation)
    {
        var problems = new List<string>();
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri)) problems.Add($"--url: '{url}' is not an absolute URL.");
        else
        {
            try
            {
                GatewayClient.RequireLoopback(uri);
            }
            catch (ArgumentException e)
            {
                problems.Add("--url: " + e.Message);
            }
        }
        key ??= Environment.GetEnvironmentVariable("RECO_API_KEY");
        if (string.IsNullOrWhiteSpace(key)) problems.Add("--api-key: no key given and RECO_API_KEY is not set.");
        if (options.EventRate <= 0 || options.QueryRate < 0) problems.Add("--event-rate must be > 0 and --query-rate >= 0.");
        if (options.BatchSize is < 1 or > 10_000) problems.Add("--batch-size must be between 1 and 10000.");
        if (options.Duration <= TimeSpan.Zero || options.Duration > TimeSpan.FromHours(1)) problems.Add("--seconds must be between 0 and 3600.");
        if (options.MaxEvents < options.BatchSize) problems.Add("--max-events must be at least --batch-size.");
        if (options.Users < 1 || options.Items < 1 || options.Attempts < 1) problems.Add("--users, --items and --attempts must be at least 1.");
        if (problems.Count > 0)
        {
            foreach (var p in problems) Console.Error.WriteLine("reco bench load: " + p);
            return 2;
        }

        using var client = new GatewayClient(uri!, key!, options.RequestTimeout);
        await using var log = new StreamWriter(acks.FullName) { AutoFlush = false };
        Console.Error.WriteLine($"bench load: {options.EventRate} events/s (batches of {options.BatchSize}), {options.QueryRate} queries/s for at most {options.Duration.TotalSeconds} s or {options.MaxEvents} events → {uri}");
        var result = await new LoadGenerator(client, options).RunAsync(log, cancellation);
        string json = result.ToJson();
        Console.WriteLine(json);
        if (output is not null)
        {
            Directory.CreateDirectory(output.DirectoryName!);
            await File.WriteAllTextAsync(output.FullName, json + "\n", cancellation);
        }
        Console.Error.WriteLine($"bench load: {result.Acked.Count} of {result.EventsSent} events acknowledged; ack log {acks.FullName}");
        return 0;
    }
}
