using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OrleansReco.Core.Data;
using OrleansReco.Core.Data.Synthetic;
using OrleansReco.Core.Model;
using OrleansReco.GrainInterfaces;
using OrleansReco.GrainInterfaces.Client;
using OrleansReco.LocalCluster;
using OrleansReco.Silo.Hosting;
using OrleansReco.Training.TwoTower;

namespace OrleansReco.Cli.Commands.Bench;

/// <summary>
/// <c>reco bench cluster</c>: an in-process silo (role <c>all</c>) with memory providers, a synthetic catalog spread
/// over the item shards and users with histories; then recommendation latency at fixed request rates (open loop)
/// with what the runtime did meanwhile (GC pauses, allocations, thread-pool queue), event ingest throughput (each
/// event refreshes the user's embedding and is persisted before it is acknowledged), freshness (time from sending an
/// event to recommendations that reflect it), a model swap under load and the query p99 while a training run is in
/// progress. With <c>--storage redis</c>, the production path instead (<see cref="RedisClusterBench"/>).
/// <c>--repeat N</c> measures N times on the loaded cluster: the top-level figures are medians.
/// </summary>
internal static class ClusterBenchCommand
{
    public static Command Create()
    {
        var items = new Option<int>("--items") { Description = "Catalog size.", DefaultValueFactory = _ => 100_000 };
        var users = new Option<int?>("--users") { Description = "Users with histories (default 100,000 in process, 20,000 with --storage redis)." };
        var events = new Option<int>("--events") { Description = "In process: history events in total (generated).", DefaultValueFactory = _ => 2_000_000 };
        var history = new Option<int>("--history") { Description = "With --storage redis: history events per user.", DefaultValueFactory = _ => 200 };
        var rates = new Option<string?>("--rates") { Description = "Recommendation rates to hold, per second (default 250,500,1000,1500,2000,3000 in process; 50,100,200,400 with --storage redis)." };
        var seconds = new Option<double>("--seconds") { Description = "Seconds per rate and for each ingest run.", DefaultValueFactory = _ => 6 };
        var repeat = new Option<int>("--repeat") { Description = "Measure this many times on the loaded cluster; the figures are the medians.", DefaultValueFactory = _ => 1 };
        var storage = new Option<string?>("--storage") { Description = "'redis': the production path (redis-server, two silo processes, the gateway in Client mode, over HTTP). Absent: in process, memory providers." };
        var fsync = new Option<string>("--appendfsync") { Description = "With --storage redis: Redis appendfsync, everysec or always.", DefaultValueFactory = _ => "everysec" };
        var aggregation = new Option<string>("--aggregation")
        {
            Description = "User tower of the served model: attention or mean (default: the model's default).",
            DefaultValueFactory = _ => new TwoTowerOptions().Aggregation.ToString().ToLowerInvariant(),
        };
        aggregation.AcceptOnlyFromAmong("mean", "attention");
        var contention = new Option<double>("--training-rate") { Description = "In process: query rate held with and without a training run in progress (0: skip).", DefaultValueFactory = _ => 500 };
        var flowShare = new Option<double>("--flow-share") { Description = "With --storage redis: events flow at this share of the sustained one-per-call ingest rate while queries are measured (0: queries alone).", DefaultValueFactory = _ => 0.5 };
        var siloGc = new Option<string>("--silo-gc") { Description = "With --storage redis: the collector of the silo and gateway processes: 'workstation' (five processes share this machine's cores) or 'server' (their deployed runtime configuration: server GC, background collector, DATAS).", DefaultValueFactory = _ => "workstation" };
        siloGc.AcceptOnlyFromAmong("server", "workstation");
        var allocationTypes = new Option<bool>("--allocation-types") { Description = "In process: attribute each window's allocations to types (from the runtime's allocation samples; a little overhead)." };
        var timeline = new Option<bool>("--timeline")
        {
            Description = "Also write every query's start and latency (NAME.timeline.csv beside --out) and a figure of the last run's windows, the worst latency per 100 ms (NAME.timeline.svg).",
        };
        var output = new Option<FileInfo>("--out") { Description = "JSON results (a Markdown table is written beside it).", DefaultValueFactory = _ => new FileInfo("bench/results/cluster.json") };
        var command = new Command("cluster", "Serving benchmark: recommendation latency by rate, ingest throughput, freshness; in process, or with --storage redis on the multi-process Redis cluster.")
        {
            items, users, events, history, rates, seconds, repeat, storage, fsync, flowShare, siloGc, contention, aggregation, allocationTypes, timeline, output,
        };
        command.SetAction((parse, cancellation) =>
        {
            string? store = parse.GetValue(storage);
            bool redis = store is not null;
            var settings = new ClusterBenchSettings(
                parse.GetValue(items), parse.GetValue(users) ?? (redis ? 20_000 : 100_000), parse.GetValue(events), parse.GetValue(history),
                ParseRates(parse.GetValue(rates) ?? (redis ? "50,100,200,400" : "250,500,1000,1500,2000,3000")), TimeSpan.FromSeconds(parse.GetValue(seconds)),
                parse.GetValue(repeat), parse.GetValue(fsync)!, parse.GetValue(contention), parse.GetValue(output)!,
                parse.GetValue(aggregation) == "attention" ? HistoryAggregation.Attention : HistoryAggregation.Mean, parse.GetValue(allocationTypes),
                parse.GetValue(siloGc) == "workstation", parse.GetValue(flowShare), parse.GetValue(timeline) ? new LatencyTimeline() : null);
            var problems = settings.Problems(store);
            if (problems.Count > 0)
            {
                foreach (var p in problems) Console.Error.WriteLine("reco bench cluster: " + p);
                return Task.FromResult(2);
            }
            return redis ? RedisClusterBench.RunAsync(settings, cancellation) : RunAsync(settings, cancellation);
        });
        return command;
    }

    private static double[] ParseRates(string list) =>
        list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(r => double.TryParse(r, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) ? v : double.NaN).ToArray();

    private static async Task<int> RunAsync(ClusterBenchSettings settings, CancellationToken cancellation)
    {
        var total = Stopwatch.StartNew();
        Console.Error.WriteLine($"bench cluster: generating {settings.Users:N0} users, {settings.Items:N0} items, {settings.Events:N0} events...");
        var data = SyntheticGenerator.Generate(new SyntheticOptions { Users = settings.Users, Items = settings.Items, Events = settings.Events, Seed = 7 });

        Console.Error.WriteLine("bench cluster: training a model for serving (a short run: serving cost does not depend on quality)...");
        string bundle = Path.Combine(Path.GetTempPath(), $"bench-cluster-{Environment.ProcessId}.bundle");
        var sample = new InteractionDataset(data.Interactions.Take(200_000).ToList(), data.Users, data.Items);
        ModelBundle Train(long seed)
        {
            using var trainer = new TwoTowerTrainer(sample, new TwoTowerOptions { Epochs = 1, MaxSteps = 60, Validate = false, Seed = seed, Aggregation = settings.Aggregation }, catalog: data.Items!.Keys);
            trainer.Train();
            return trainer.ExportBundle();
        }
        Train(42).Write(bundle);

        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { EnvironmentName = "Production" });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Reco:Cluster:Provider"] = "Memory",
            ["Reco:Cluster:Role"] = "all",
            ["Reco:Cluster:SiloPort"] = Ports.Free().ToString(CultureInfo.InvariantCulture),
            ["Reco:Cluster:GatewayPort"] = Ports.Free().ToString(CultureInfo.InvariantCulture),
            ["Reco:Model:Path"] = bundle,
            ["Reco:Trainer:Interval"] = "00:00:00", // runs only when the benchmark starts one
            ["Reco:Trainer:MaxEvents"] = "100000", // the newest 100,000 events: a run of about a minute on a busy 2-core machine
        });
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Logging.AddFilter("Orleans", LogLevel.Error); // long-running upsert batches trip its 1 s work-item warning
        builder.AddRecoSilo();
        using var host = builder.Build();
        await host.StartAsync(cancellation);
        try
        {
            var grains = host.Services.GetRequiredService<IGrainFactory>();
            var client = new RecoClient(grains);
            var (userIds, ingestUserIds, loadItems, loadUsers) = await LoadAsync(client, data, cancellation);
            var target = new GrainTarget(client);
            using var probe = new RuntimeProbe { SampleAllocations = settings.AllocationTypes };
            var runs = new List<JsonObject>();
            for (int run = 1; run <= settings.Repeat; run++)
            {
                Console.Error.WriteLine($"bench cluster: run {run} of {settings.Repeat}");
                // A newer model for the swap measure (its version stamp is a later second than the current one).
                await Task.Delay(TimeSpan.FromSeconds(1.1), cancellation);
                byte[] nextBundle = Train(99 + run).ToBytes();
                var result = await MeasureAsync(grains, client, target, probe, data.Items!.Keys, userIds, ingestUserIds, settings, nextBundle, run, cancellation);
                result["items"] = data.Items.Count;
                result["users"] = userIds.Length;
                result["history_events"] = data.Interactions.Count;
                result["load_items_s"] = Math.Round(loadItems, 2);
                result["load_users_s"] = Math.Round(loadUsers, 2);
                result["storage"] = "memory";
                result["aggregation"] = settings.Aggregation.ToString().ToLowerInvariant();
                result["gc"] = GcSettings();
                result["cores"] = Environment.ProcessorCount;
                result["load_average"] = BenchEnvironment.LoadAverage();
                runs.Add((JsonObject)JsonNode.Parse(JsonSerializer.Serialize(result))!);
            }
            var combined = BenchRuns.Combine(runs);
            combined["total_s"] = Math.Round(total.Elapsed.TotalSeconds, 1);
            BenchRuns.Write(settings.Output, combined, "Cluster serving benchmark (in process)",
                $"In-process silo (role all), memory providers, {data.Items!.Count:N0} items in {(double?)combined["shards"]} shards, {userIds.Length:N0} users with " +
                $"{data.Interactions.Count:N0} history events; {Environment.ProcessorCount} cores; GC: {GcSettings()}. Open-loop load: latency counts from each " +
                "request's scheduled start. The runtime columns are this process's (silo and load generator together) during each rate: garbage-collection " +
                "pauses from the runtime's GC events, bytes allocated per request on all threads, and the largest thread-pool queue sampled every 5 ms. " +
                "Ingest and freshness write to a copy of each user, so every run queries the same histories. Before the rate windows the process " +
                "collects what the benchmark's own steps left (a full collection, then one of gen 0).");
            settings.WriteTimeline("In process");
            return 0;
        }
        finally
        {
            await host.StopAsync(CancellationToken.None);
            File.Delete(bundle);
        }
    }

    /// <summary>The collector this process runs with (server or workstation, concurrent, DATAS).</summary>
    public static string GcSettings()
    {
        string mode = System.Runtime.GCSettings.IsServerGC ? "server" : "workstation";
        bool concurrent = AppContext.GetData("System.GC.Concurrent") is not false && Environment.GetEnvironmentVariable("DOTNET_gcConcurrent") != "0";
        string datas = AppContext.GetData("System.GC.DynamicAdaptationMode")?.ToString() ?? Environment.GetEnvironmentVariable("DOTNET_GCDynamicAdaptationMode") ?? "default";
        return $"{mode}, concurrent {(concurrent ? "on" : "off")}, DATAS {datas}, latency mode {System.Runtime.GCSettings.LatencyMode}";
    }

    /// <summary>
    /// Loads the catalogue and the users' histories. Every user is loaded twice: under its own id, for the queries,
    /// and under <see cref="IngestUserId"/>, for the ingest and freshness runs. So the events those runs add never
    /// reach the users that are queried, and each of the <c>--repeat</c> runs queries the same state.
    /// </summary>
    private static async Task<(string[] Users, string[] IngestUsers, double ItemsSeconds, double UsersSeconds)> LoadAsync(
        RecoClient client, InteractionDataset data, CancellationToken cancellation)
    {
        var items = data.Items!;
        var clock = Stopwatch.StartNew();
        foreach (var batch in items.Keys.Select((id, i) => (id, i)).Chunk(1000))
            await client.UpsertItemsAsync(batch.Select(p => new CatalogItem(p.id, items.Features(p.i))).ToArray());
        double loadItems = clock.Elapsed.TotalSeconds;
        Console.Error.WriteLine($"bench cluster: {items.Count:N0} items upserted in {loadItems:F1} s");

        clock.Restart();
        var histories = data.Interactions.GroupBy(e => e.UserId).ToDictionary(g => g.Key, g => g.ToArray());
        var userIds = data.Users!.Keys.Where(histories.ContainsKey).ToArray();
        var ingestUserIds = userIds.Select(IngestUserId).ToArray();
        await Parallel.ForEachAsync(userIds, new ParallelOptions { MaxDegreeOfParallelism = 64, CancellationToken = cancellation },
            async (user, _) => await client.SendEventsAsync(user, histories[user].Select(UserEvent.From).ToArray()));
        double loadUsers = clock.Elapsed.TotalSeconds;
        Console.Error.WriteLine($"bench cluster: {userIds.Length:N0} users with {data.Interactions.Count:N0} history events loaded in {loadUsers:F1} s");
        await Parallel.ForEachAsync(userIds, new ParallelOptions { MaxDegreeOfParallelism = 64, CancellationToken = cancellation },
            async (user, _) => await client.SendEventsAsync(IngestUserId(user), histories[user].Select(UserEvent.From).ToArray()));

        // Warm up every path (user activations are already warm from loading).
        var random = new Random(11);
        for (int i = 0; i < 500; i++) await client.RecommendAsync(userIds[random.Next(userIds.Length)], Query);
        return (userIds, ingestUserIds, loadItems, loadUsers);
    }

    /// <summary>The id under which a user's copy for the ingest runs is loaded.</summary>
    private static string IngestUserId(string user) => $"{user}~ingest";

    private static readonly RecommendQuery Query = new(K: 10);

    private static async Task<Dictionary<string, object?>> MeasureAsync(IGrainFactory grains, RecoClient client, GrainTarget target, RuntimeProbe probe,
        IReadOnlyList<string> items, string[] userIds, string[] ingestUserIds, ClusterBenchSettings settings, byte[] nextBundle, int run, CancellationToken cancellation)
    {
        var duration = settings.Duration;
        await SettleHeapAsync(cancellation);
        var recommend = await ServingMeasures.RecommendAtRatesAsync(target, userIds, settings.Rates, duration, probe, seed: run, cancellation,
            settings.Timeline, "queries", run);

        string runId = $"r{run}-{Environment.ProcessId}";
        RuntimeSample single, batched;
        (double EventsPerSecond, long Events, int Errors) ingestSingle, ingestBatched;
        using (var window = probe.Start())
        {
            ingestSingle = await ServingMeasures.IngestAsync(target, ingestUserIds, items, 1, 128, duration, runId);
            single = window.Stop();
        }
        using (var window = probe.Start())
        {
            ingestBatched = await ServingMeasures.IngestAsync(target, ingestUserIds, items, 10, 128, duration, runId);
            batched = window.Stop();
        }
        Console.Error.WriteLine($"  ingest: {ingestSingle.EventsPerSecond:N0} events/s one per call, {ingestBatched.EventsPerSecond:N0} events/s ten per call");
        var freshness = await ServingMeasures.FreshnessAsync(target, ingestUserIds, 300, runId, seed: run);

        // Publish a new version under a steady query load: time until every shard serves it, p99 before and during.
        const double swapRate = 500;
        var random = new Random(run);
        var swapPicks = Enumerable.Range(0, (int)(swapRate * 60)).Select(_ => userIds[random.Next(userIds.Length)]).ToArray();
        var beforeSwap = await OpenLoop.RunAsync(swapRate, duration, i => client.RecommendAsync(swapPicks[i], Query), cancellation);
        var catalog = grains.GetGrain<ICatalogGrain>(client.Catalog);
        var during = OpenLoop.RunAsync(swapRate, TimeSpan.FromSeconds(Math.Max(duration.TotalSeconds, 10)), i => client.RecommendAsync(swapPicks[i], Query), cancellation);
        var publishClock = Stopwatch.StartNew();
        var published = await grains.GetGrain<IModelRegistryGrain>("default").PublishAsync(nextBundle, "bench", null);
        double publishReturned = publishClock.Elapsed.TotalSeconds;
        await AllShardsServeAsync(catalog, published.Version, cancellation);
        double allShards = publishClock.Elapsed.TotalSeconds;
        var duringSwap = await during;
        Console.Error.WriteLine($"  publish {published.Version}: returned after {publishReturned:F2} s, every shard serving it after {allShards:F2} s; " +
                                $"p99 {beforeSwap.P99Ms:F2} ms before, {duringSwap.P99Ms:F2} ms during (errors {duringSwap.Errors})");

        var stats = await catalog.GetStatsAsync();
        var result = new Dictionary<string, object?>
        {
            ["recommend"] = recommend.Select(x => ServingMeasures.RateRow(x.Result, x.Runtime)).ToList(),
            ["max_rate_p99_under_10ms"] = ServingMeasures.MaxRateUnder(recommend.Select(x => x.Result), 10),
            ["max_rate_p99_under_20ms"] = ServingMeasures.MaxRateUnder(recommend.Select(x => x.Result), 20),
            ["ingest_events_per_s"] = Math.Round(ingestSingle.EventsPerSecond),
            ["ingest_batched_events_per_s"] = Math.Round(ingestBatched.EventsPerSecond),
            ["ingest_runtime"] = single.ToJson(ingestSingle.Events),
            ["ingest_batched_runtime"] = batched.ToJson(ingestBatched.Events),
            ["freshness_p50_ms"] = Math.Round(OpenLoop.Percentile(freshness, 0.5), 3),
            ["freshness_p99_ms"] = Math.Round(OpenLoop.Percentile(freshness, 0.99), 3),
            ["shards"] = stats.Length,
            ["shard_memory_mean_mib"] = Math.Round(stats.Average(s => s.MemoryBytes) / 1048576.0, 1),
            ["model_swap"] = new Dictionary<string, object>
            {
                ["publish_returned_s"] = Math.Round(publishReturned, 3), ["all_shards_serving_s"] = Math.Round(allShards, 3),
                ["rate"] = swapRate, ["p50_ms_before"] = Math.Round(beforeSwap.P50Ms, 3), ["p99_ms_before"] = Math.Round(beforeSwap.P99Ms, 3),
                ["p50_ms_during"] = Math.Round(duringSwap.P50Ms, 3), ["p99_ms_during"] = Math.Round(duringSwap.P99Ms, 3), ["errors_during"] = duringSwap.Errors,
            },
        };
        if (settings.TrainingRate > 0)
            result["training_contention"] = await TrainingContentionAsync(grains, catalog, target, userIds, settings.TrainingRate, duration, probe, run, settings.Timeline, cancellation);
        return result;
    }

    /// <summary>
    /// Collects what the benchmark's own steps left (the next model trained for the swap measure, the previous run's swap
    /// and training run) before a measured window, so that a window measures serving and not the collection of the
    /// benchmark's preparation: a gen-1 collection promoting 100-200 MB of it landed in the first rate window of some
    /// runs (pauses of 120-250 ms).
    /// </summary>
    private static async Task SettleHeapAsync(CancellationToken cancellation)
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        // The first gen-0 collection after a full one scans the card table the full one left: 23-31 ms here, against
        // 1-9 ms for the next ones. Taken now, it is charged to no window (before, it fell in the first window that
        // allocated enough for a collection).
        GC.Collect(0, GCCollectionMode.Forced, blocking: true);
        // The runtime's events reach the probe asynchronously: let those of these collections arrive before the window opens.
        await Task.Delay(TimeSpan.FromSeconds(1), cancellation);
    }

    /// <summary>
    /// Query latency at one rate with no training run, then while a training run (started through the trainer grain,
    /// on this same silo) is in progress; then waits for the run to end and every shard to serve the model it left.
    /// </summary>
    private static async Task<Dictionary<string, object?>> TrainingContentionAsync(IGrainFactory grains, ICatalogGrain catalog, GrainTarget target,
        string[] userIds, double rate, TimeSpan duration, RuntimeProbe probe, int run, LatencyTimeline? timeline, CancellationToken cancellation)
    {
        // The same starting state for both windows, so that they differ only by the run: the model swap measured just before
        // leaves hundreds of megabytes of garbage, whose collection (a pause of up to 90 ms) would otherwise land in the idle
        // window; and the idle window spends part of the young generation's budget, so that serving's own next collection
        // (about 11 s of queries after a settled heap at 500/s here) would otherwise land in the training window, a few
        // seconds in, whatever the run allocates.
        await SettleHeapAsync(cancellation);
        var idle = (await ServingMeasures.RecommendAtRatesAsync(target, userIds, [rate], duration, probe, seed: 1000 + run, cancellation,
            timeline, "idle", run))[0];
        await SettleHeapAsync(cancellation);
        var trainer = grains.Trainer();
        var started = await trainer.StartRunAsync("bench cluster", new TrainingOverrides(Epochs: 1));
        Console.Error.WriteLine($"  training run {started.RunId} started; measuring {rate:N0}/s while it runs");
        var training = (await ServingMeasures.RecommendAtRatesAsync(target, userIds, [rate], duration, probe, seed: 2000 + run, cancellation,
            timeline, "training", run))[0];
        bool throughout = (await trainer.GetStatusAsync()).Current?.RunId == started.RunId;
        var clock = Stopwatch.StartNew();
        TrainerStatus status;
        while ((status = await trainer.GetStatusAsync()).Current?.RunId == started.RunId && clock.Elapsed < TimeSpan.FromMinutes(15))
            await Task.Delay(500, cancellation);
        var finished = status.Recent.FirstOrDefault(r => r.RunId == started.RunId);
        if (finished is { State: TrainingRunState.Published, CandidateVersion: { } version }) await AllShardsServeAsync(catalog, version, cancellation);
        Console.Error.WriteLine($"  training run {started.RunId}: {finished?.State} after {clock.Elapsed.TotalSeconds + duration.TotalSeconds:F0} s; " +
                                $"p99 {idle.Result.P99Ms:F2} ms idle, {training.Result.P99Ms:F2} ms during training");
        return new Dictionary<string, object?>
        {
            ["rate"] = rate,
            ["p50_ms_idle"] = Math.Round(idle.Result.P50Ms, 3),
            ["p99_ms_idle"] = Math.Round(idle.Result.P99Ms, 3),
            ["p50_ms_training"] = Math.Round(training.Result.P50Ms, 3),
            ["p99_ms_training"] = Math.Round(training.Result.P99Ms, 3),
            ["ratio"] = Math.Round(training.Result.P99Ms / Math.Max(idle.Result.P99Ms, 1e-3), 2),
            ["errors_training"] = training.Result.Errors,
            ["training_ran_throughout"] = throughout,
            ["run_state"] = finished?.State.ToString() ?? "unknown",
            ["gc_pause_max_ms_training"] = Math.Round(training.Runtime!.PauseMaxMs, 2),
            ["threadpool_queue_max_training"] = training.Runtime.ThreadPoolQueueMax,
            ["runtime_idle"] = idle.Runtime?.ToJson(idle.Result.Requests),
            ["runtime_training"] = training.Runtime.ToJson(training.Result.Requests),
            // Where the run's time went (from its own record): reading the inputs, preparing them, the epochs, the hold-out.
            ["run_phases_s"] = finished?.Metrics is { } m
                ? new[] { "readSeconds", "prepareSeconds", "trainSeconds", "holdoutSeconds" }.Where(m.ContainsKey).ToDictionary(k => k, k => Math.Round(m[k], 2))
                : null,
            ["run_prepare_allocated_mib"] = finished?.Metrics?.GetValueOrDefault("prepareAllocatedMiB") is double mib ? Math.Round(mib) : null,
        };
    }

    private static async Task AllShardsServeAsync(ICatalogGrain catalog, string version, CancellationToken cancellation)
    {
        var clock = Stopwatch.StartNew();
        while ((await catalog.GetStatsAsync()).Any(x => x.ModelVersion != version) && clock.Elapsed < TimeSpan.FromMinutes(5))
            await Task.Delay(20, cancellation);
    }

    /// <summary>The in-process cluster through its grain client.</summary>
    private sealed class GrainTarget(RecoClient client) : IServingTarget
    {
        public async Task<string[]> RecommendAsync(string userId)
        {
            var answer = await client.RecommendAsync(userId, Query);
            var ids = new string[answer.Items.Length];
            for (int i = 0; i < ids.Length; i++) ids[i] = answer.Items[i].ItemId;
            return ids;
        }

        public Task SendAsync(string userId, BenchEvent[] events)
        {
            var converted = new UserEvent[events.Length];
            for (int i = 0; i < events.Length; i++) converted[i] = new UserEvent(events[i].EventId, events[i].ItemId, events[i].Type, 1, events[i].Timestamp);
            return client.SendEventsAsync(userId, converted);
        }
    }
}

/// <summary>What <c>reco bench cluster</c> was asked to do.</summary>
internal sealed record ClusterBenchSettings(
    int Items, int Users, int Events, int History, double[] Rates, TimeSpan Duration, int Repeat, string Fsync, double TrainingRate, FileInfo Output,
    HistoryAggregation Aggregation, bool AllocationTypes = false, bool WorkstationSiloGc = true, double FlowShare = 0.5, LatencyTimeline? Timeline = null)
{
    /// <summary>Writes the timeline's files beside the results, when one was asked for (<c>--timeline</c>).</summary>
    public void WriteTimeline(string title)
    {
        if (Timeline is null) return;
        var (csv, svg) = Timeline.Write(Output, title);
        Console.Error.WriteLine($"bench cluster: per-request latencies in {csv}, figure in {svg}");
    }

    /// <summary>Every bad option, each naming the option.</summary>
    public List<string> Problems(string? storage)
    {
        var problems = new List<string>();
        if (storage is not null && storage != "redis") problems.Add($"--storage must be 'redis' (or left out for the in-process run), not '{storage}'.");
        if (Fsync is not ("everysec" or "always")) problems.Add($"--appendfsync must be 'everysec' or 'always', not '{Fsync}'.");
        if (Items < 1) problems.Add($"--items must be at least 1, not {Items}.");
        if (Users < 1) problems.Add($"--users must be at least 1, not {Users}.");
        if (Events < 1) problems.Add($"--events must be at least 1, not {Events}.");
        if (History is < 1 or > 10_000) problems.Add($"--history must be in [1, 10000], not {History}.");
        if (Rates.Length == 0 || Rates.Any(r => double.IsNaN(r) || r <= 0)) problems.Add("--rates must be a comma-separated list of positive numbers (e.g. 250,500,1000).");
        if (Duration <= TimeSpan.Zero || Duration > TimeSpan.FromMinutes(10)) problems.Add($"--seconds must be in (0, 600], not {Duration.TotalSeconds}.");
        if (Repeat is < 1 or > 50) problems.Add($"--repeat must be in [1, 50], not {Repeat}.");
        if (FlowShare is < 0 or > 1 || double.IsNaN(FlowShare)) problems.Add($"--flow-share must be in [0, 1], not {FlowShare}.");
        if (TrainingRate < 0) problems.Add($"--training-rate must not be negative, not {TrainingRate}.");
        return problems;
    }
}
