using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OrleansReco.Core.Data;
using OrleansReco.Core.Data.Synthetic;
using OrleansReco.Core.Model;
using OrleansReco.GrainInterfaces;
using OrleansReco.GrainInterfaces.Client;
using OrleansReco.Harness;
using OrleansReco.Silo.Hosting;
using OrleansReco.Training.TwoTower;

namespace OrleansReco.Cli.Commands.Bench;

/// <summary>
/// <c>reco bench cluster</c>: an in-process silo with memory providers, a synthetic catalogue spread over the item
/// shards and users with histories; then recommendation latency at fixed request rates (open loop), event ingest
/// throughput (each event refreshes the user's embedding and is persisted before it is acknowledged), and
/// freshness (time from sending an event to recommendations that reflect it).
/// </summary>
internal static class ClusterBenchCommand
{
    public static Command Create()
    {
        var items = new Option<int>("--items") { Description = "Catalogue size.", DefaultValueFactory = _ => 100_000 };
        var users = new Option<int>("--users") { Description = "Users with histories.", DefaultValueFactory = _ => 100_000 };
        var events = new Option<int>("--events") { Description = "History events in total (generated).", DefaultValueFactory = _ => 2_000_000 };
        var rates = new Option<string>("--rates") { Description = "Recommendation rates to hold, per second.", DefaultValueFactory = _ => "250,500,1000,1500,2000,3000" };
        var seconds = new Option<double>("--seconds") { Description = "Seconds per rate and for the ingest run.", DefaultValueFactory = _ => 6 };
        var aggregation = new Option<string>("--aggregation") { Description = "User tower of the served model: mean or attention.", DefaultValueFactory = _ => "mean" };
        aggregation.AcceptOnlyFromAmong("mean", "attention");
        var output = new Option<FileInfo>("--out") { Description = "JSON results (a Markdown table is written beside it).", DefaultValueFactory = _ => new FileInfo("bench/results/cluster.json") };
        var command = new Command("cluster", "Serving benchmark on an in-process silo: recommendation latency by rate, ingest throughput, freshness.")
        {
            items, users, events, rates, seconds, aggregation, output,
        };
        command.SetAction((parse, cancellation) => RunAsync(parse.GetValue(items), parse.GetValue(users), parse.GetValue(events),
            parse.GetValue(rates)!, parse.GetValue(seconds), parse.GetValue(aggregation)!, parse.GetValue(output)!, cancellation));
        return command;
    }

    private static async Task<int> RunAsync(int itemCount, int userCount, int eventCount, string rateList, double seconds, string aggregationName, FileInfo output, CancellationToken cancellation)
    {
        var aggregation = aggregationName == "attention" ? HistoryAggregation.Attention : HistoryAggregation.Mean;
        var rates = rateList.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(r => double.Parse(r, CultureInfo.InvariantCulture)).ToArray();
        var total = Stopwatch.StartNew();
        Console.Error.WriteLine($"bench cluster: generating {userCount:N0} users, {itemCount:N0} items, {eventCount:N0} events...");
        var data = SyntheticGenerator.Generate(new SyntheticOptions { Users = userCount, Items = itemCount, Events = eventCount, Seed = 7 });

        Console.Error.WriteLine("bench cluster: training a model for serving (a short run: serving cost does not depend on quality)...");
        string bundle = Path.Combine(Path.GetTempPath(), $"bench-cluster-{Environment.ProcessId}.bundle");
        var sample = new InteractionDataset(data.Interactions.Take(200_000).ToList(), data.Users, data.Items);
        ModelBundle Train(long seed)
        {
            using var trainer = new TwoTowerTrainer(sample, new TwoTowerOptions { Epochs = 1, MaxSteps = 60, Validate = false, Seed = seed, Aggregation = aggregation }, catalogue: data.Items!.Keys);
            trainer.Train();
            return trainer.ExportBundle();
        }
        Train(42).Write(bundle);
        // A second version to publish during the run (another seed; its version stamp is a later second).
        await Task.Delay(TimeSpan.FromSeconds(1.1), cancellation);
        byte[] nextBundle = Train(99).ToBytes();

        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { EnvironmentName = "Production" });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Reco:Cluster:Provider"] = "Memory",
            ["Reco:Cluster:SiloPort"] = Ports.Free().ToString(CultureInfo.InvariantCulture),
            ["Reco:Cluster:GatewayPort"] = Ports.Free().ToString(CultureInfo.InvariantCulture),
            ["Reco:Model:Path"] = bundle,
        });
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Logging.AddFilter("Orleans", LogLevel.Error); // long-running upsert batches trip its 1 s work-item warning
        builder.AddRecoSilo();
        using var host = builder.Build();
        await host.StartAsync(cancellation);
        try
        {
            var grains = host.Services.GetRequiredService<IGrainFactory>();
            var results = await MeasureAsync(grains, data, rates, TimeSpan.FromSeconds(seconds), nextBundle, cancellation);
            Write(output, results with { TotalSeconds = total.Elapsed.TotalSeconds }, aggregation);
            return 0;
        }
        finally
        {
            await host.StopAsync(CancellationToken.None);
            File.Delete(bundle);
        }
    }

    private sealed record Results(
        int Items, int Users, int HistoryEvents, int Shards, double LoadItemsSeconds, double LoadUsersSeconds,
        IReadOnlyList<RateResult> Recommend, double? MaxRateP99Under20Ms,
        double IngestEventsPerSecond, double IngestBatchedEventsPerSecond, double FreshnessP50Ms, double FreshnessP99Ms,
        IReadOnlyList<ShardStats> ShardStats, string Load, double TotalSeconds, SwapResult Swap);

    /// <summary>A publish under load: when the call returned, when every shard served the new version, and query latency before and during.</summary>
    private sealed record SwapResult(double PublishReturnedSeconds, double AllShardsSeconds, RateResult Before, RateResult During);

    private static async Task<Results> MeasureAsync(IGrainFactory grains, InteractionDataset data, double[] rates, TimeSpan duration, byte[] nextBundle,
        CancellationToken cancellation)
    {
        var client = new RecoClient(grains);
        var items = data.Items!;
        var clock = Stopwatch.StartNew();
        var batches = items.Keys.Select((id, i) => (id, i)).Chunk(1000);
        foreach (var batch in batches)
            await client.UpsertItemsAsync(batch.Select(p => new CatalogItem(p.id, items.Features(p.i))).ToArray());
        double loadItems = clock.Elapsed.TotalSeconds;
        Console.Error.WriteLine($"bench cluster: {items.Count:N0} items upserted in {loadItems:F1} s");

        clock.Restart();
        var histories = data.Interactions.GroupBy(e => e.UserId).ToDictionary(g => g.Key, g => g.ToArray());
        var userIds = data.Users!.Keys.Where(histories.ContainsKey).ToArray();
        await Parallel.ForEachAsync(userIds, new ParallelOptions { MaxDegreeOfParallelism = 64, CancellationToken = cancellation },
            async (user, _) => await client.SendEventsAsync(user, histories[user].Select(UserEvent.From).ToArray()));
        double loadUsers = clock.Elapsed.TotalSeconds;
        Console.Error.WriteLine($"bench cluster: {userIds.Length:N0} users with {data.Interactions.Count:N0} history events loaded in {loadUsers:F1} s");

        var random = new Random(11);
        var query = new RecommendQuery(K: 10);
        // Warm up every path (user activations are already warm from loading).
        for (int i = 0; i < 500; i++) await client.RecommendAsync(userIds[random.Next(userIds.Length)], query);

        var recommend = new List<RateResult>();
        foreach (double rate in rates)
        {
            var picks = Enumerable.Range(0, (int)(rate * duration.TotalSeconds) + 1).Select(_ => userIds[random.Next(userIds.Length)]).ToArray();
            var r = await OpenLoop.RunAsync(rate, duration, i => client.RecommendAsync(picks[i], query), cancellation);
            Console.Error.WriteLine($"  recommend @ {rate,6:N0}/s: achieved {r.AchievedRate,7:N0}/s  p50 {r.P50Ms,7:F2} ms  p99 {r.P99Ms,8:F2} ms  errors {r.Errors}");
            recommend.Add(r);
        }
        double? maxRate = recommend.Where(r => r.P99Ms <= 20 && r.Errors == 0).Select(r => (double?)r.Rate).Max();

        double ingestSingle = await IngestAsync(client, data, userIds, items.Keys, 1, duration);
        double ingestBatched = await IngestAsync(client, data, userIds, items.Keys, 10, duration);
        Console.Error.WriteLine($"  ingest: {ingestSingle:N0} events/s one per call, {ingestBatched:N0} events/s ten per call");

        // Freshness: the user's top item is bought; how long until a recommendation no longer shows it (seen).
        var freshness = new List<double>();
        for (int s = 0; s < 300; s++)
        {
            string user = userIds[random.Next(userIds.Length)];
            var before = await client.RecommendAsync(user, query);
            if (before.Items.Length == 0) continue;
            string top = before.Items[0].ItemId;
            long start = Stopwatch.GetTimestamp();
            await client.SendEventsAsync(user, new UserEvent($"fresh-{s}", top, EventTypes.Purchase, 1, DateTimeOffset.UtcNow.ToUnixTimeSeconds()));
            Recommendations after;
            do after = await client.RecommendAsync(user, query);
            while (after.Items.Any(i => i.ItemId == top) && Stopwatch.GetElapsedTime(start) < TimeSpan.FromSeconds(5));
            freshness.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
        }
        var sortedFreshness = freshness.Order().ToArray();
        Console.Error.WriteLine($"  freshness: p50 {OpenLoop.Percentile(sortedFreshness, 0.5):F2} ms, p99 {OpenLoop.Percentile(sortedFreshness, 0.99):F2} ms");

        // Publish a new version under a steady query load: time until every shard serves it, p99 before and during.
        const double swapRate = 500;
        var swapPicks = Enumerable.Range(0, (int)(swapRate * 60)).Select(_ => userIds[random.Next(userIds.Length)]).ToArray();
        var beforeSwap = await OpenLoop.RunAsync(swapRate, duration, i => client.RecommendAsync(swapPicks[i], query), cancellation);
        var catalog = grains.GetGrain<ICatalogGrain>(client.Catalog);
        var during = OpenLoop.RunAsync(swapRate, TimeSpan.FromSeconds(Math.Max(duration.TotalSeconds, 10)), i => client.RecommendAsync(swapPicks[i], query), cancellation);
        var publishClock = Stopwatch.StartNew();
        var published = await grains.GetGrain<IModelRegistryGrain>("default").PublishAsync(nextBundle, "bench", null);
        double publishReturned = publishClock.Elapsed.TotalSeconds;
        while ((await catalog.GetStatsAsync()).Any(x => x.ModelVersion != published.Version) && publishClock.Elapsed < TimeSpan.FromMinutes(5))
            await Task.Delay(20, cancellation);
        double allShards = publishClock.Elapsed.TotalSeconds;
        var duringSwap = await during;
        Console.Error.WriteLine($"  publish {published.Version}: returned after {publishReturned:F2} s, every shard serving it after {allShards:F2} s; " +
                                $"p99 {beforeSwap.P99Ms:F2} ms before, {duringSwap.P99Ms:F2} ms during (errors {duringSwap.Errors})");

        var stats = await catalog.GetStatsAsync();
        string load = BenchEnvironment.LoadAverage();
        return new Results(items.Count, userIds.Length, data.Interactions.Count, stats.Length, loadItems, loadUsers, recommend, maxRate,
            ingestSingle, ingestBatched, OpenLoop.Percentile(sortedFreshness, 0.5), OpenLoop.Percentile(sortedFreshness, 0.99), stats, load, 0,
            new SwapResult(publishReturned, allShards, beforeSwap, duringSwap));
    }

    /// <summary>Events per second acknowledged by user grains with <paramref name="perCall"/> events per call, 128 calls in flight.</summary>
    private static async Task<double> IngestAsync(RecoClient client, InteractionDataset data, string[] users, IReadOnlyList<string> items, int perCall, TimeSpan duration)
    {
        long sent = 0;
        int next = 0;
        long now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var clock = Stopwatch.StartNew();
        var workers = Enumerable.Range(0, 128).Select(async w =>
        {
            var random = new Random(w);
            while (clock.Elapsed < duration)
            {
                int n = Interlocked.Increment(ref next);
                string user = users[random.Next(users.Length)];
                var events = new UserEvent[perCall];
                for (int k = 0; k < perCall; k++)
                    events[k] = new UserEvent($"ingest-{perCall}-{n}-{k}", items[random.Next(items.Count)], EventTypes.View, 1, now + n);
                await client.SendEventsAsync(user, events);
                Interlocked.Add(ref sent, perCall);
            }
        }).ToArray();
        await Task.WhenAll(workers);
        return sent / clock.Elapsed.TotalSeconds;
    }

    private static void Write(FileInfo output, Results r, HistoryAggregation aggregation)
    {
        output.Directory?.Create();
        var json = new Dictionary<string, object?>
        {
            ["recommend"] = r.Recommend.Select(x => new Dictionary<string, object>
            {
                ["rate"] = x.Rate, ["achieved_rate"] = Math.Round(x.AchievedRate, 1), ["p50_ms"] = Math.Round(x.P50Ms, 3),
                ["p90_ms"] = Math.Round(x.P90Ms, 3), ["p99_ms"] = Math.Round(x.P99Ms, 3), ["max_ms"] = Math.Round(x.MaxMs, 3),
                ["requests"] = x.Requests, ["errors"] = x.Errors,
            }).ToList(),
            ["max_rate_p99_under_20ms"] = r.MaxRateP99Under20Ms,
            ["ingest_events_per_s"] = Math.Round(r.IngestEventsPerSecond),
            ["ingest_batched_events_per_s"] = Math.Round(r.IngestBatchedEventsPerSecond),
            ["freshness_p50_ms"] = Math.Round(r.FreshnessP50Ms, 3),
            ["freshness_p99_ms"] = Math.Round(r.FreshnessP99Ms, 3),
            ["items"] = r.Items, ["users"] = r.Users, ["history_events"] = r.HistoryEvents, ["shards"] = r.Shards,
            ["load_items_s"] = Math.Round(r.LoadItemsSeconds, 2), ["load_users_s"] = Math.Round(r.LoadUsersSeconds, 2),
            ["shard_stats"] = r.ShardStats.Select(s => new { shard = s.Shard, items = s.Items, memory_bytes = s.MemoryBytes, index = s.IndexKind }).ToList(),
            ["model_swap"] = new Dictionary<string, object>
            {
                ["publish_returned_s"] = Math.Round(r.Swap.PublishReturnedSeconds, 3), ["all_shards_serving_s"] = Math.Round(r.Swap.AllShardsSeconds, 3),
                ["rate"] = r.Swap.Before.Rate, ["p50_ms_before"] = Math.Round(r.Swap.Before.P50Ms, 3), ["p99_ms_before"] = Math.Round(r.Swap.Before.P99Ms, 3),
                ["p50_ms_during"] = Math.Round(r.Swap.During.P50Ms, 3), ["p99_ms_during"] = Math.Round(r.Swap.During.P99Ms, 3), ["errors_during"] = r.Swap.During.Errors,
            },
            ["aggregation"] = aggregation.ToString().ToLowerInvariant(),
            ["cores"] = Environment.ProcessorCount, ["load_average"] = r.Load, ["total_s"] = Math.Round(r.TotalSeconds, 1),
        };
        File.WriteAllText(output.FullName, JsonSerializer.Serialize(json, new JsonSerializerOptions { WriteIndented = true }));
        var md = new StringBuilder();
        md.AppendLine("# Cluster serving benchmark").AppendLine();
        md.AppendLine(CultureInfo.InvariantCulture, $"In-process silo, memory providers, {r.Items:N0} items in {r.Shards} shards, {r.Users:N0} users with {r.HistoryEvents:N0} history events, user tower {aggregation.ToString().ToLowerInvariant()}; {Environment.ProcessorCount} cores, load average {r.Load}. Open-loop load: latency counts from each request's scheduled start.").AppendLine();
        md.AppendLine("| rate (req/s) | achieved | p50 ms | p90 ms | p99 ms | max ms | errors |");
        md.AppendLine("| ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        foreach (var x in r.Recommend)
            md.AppendLine(CultureInfo.InvariantCulture, $"| {x.Rate:N0} | {x.AchievedRate:N0} | {x.P50Ms:F2} | {x.P90Ms:F2} | {x.P99Ms:F2} | {x.MaxMs:F2} | {x.Errors} |");
        md.AppendLine();
        md.AppendLine(CultureInfo.InvariantCulture, $"| measure | value |");
        md.AppendLine("| --- | ---: |");
        md.AppendLine(CultureInfo.InvariantCulture, $"| highest rate with p99 ≤ 20 ms | {(r.MaxRateP99Under20Ms is { } m ? m.ToString("N0", CultureInfo.InvariantCulture) + "/s" : "none of those tried")} |");
        md.AppendLine(CultureInfo.InvariantCulture, $"| ingest, one event per call | {r.IngestEventsPerSecond:N0} events/s |");
        md.AppendLine(CultureInfo.InvariantCulture, $"| ingest, ten events per call | {r.IngestBatchedEventsPerSecond:N0} events/s |");
        md.AppendLine(CultureInfo.InvariantCulture, $"| freshness p50 / p99 | {r.FreshnessP50Ms:F2} / {r.FreshnessP99Ms:F2} ms |");
        md.AppendLine(CultureInfo.InvariantCulture, $"| model publish: call returned / every shard serving it | {r.Swap.PublishReturnedSeconds:F2} s / {r.Swap.AllShardsSeconds:F2} s |");
        md.AppendLine(CultureInfo.InvariantCulture, $"| query p50 / p99 at {r.Swap.Before.Rate:N0}/s before the swap | {r.Swap.Before.P50Ms:F2} / {r.Swap.Before.P99Ms:F2} ms |");
        md.AppendLine(CultureInfo.InvariantCulture, $"| query p50 / p99 at {r.Swap.During.Rate:N0}/s during the swap | {r.Swap.During.P50Ms:F2} / {r.Swap.During.P99Ms:F2} ms ({r.Swap.During.Errors} errors) |");
        md.AppendLine(CultureInfo.InvariantCulture, $"| shard memory (mean) | {r.ShardStats.Average(s => s.MemoryBytes) / 1048576.0:F1} MiB |");
        File.WriteAllText(Path.ChangeExtension(output.FullName, ".md"), md.ToString());
        Console.WriteLine(md);
    }
}
