using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using OrleansReco.LocalCluster;

namespace OrleansReco.Cli.Commands.Bench;

/// <summary>
/// <c>reco bench cluster --storage redis</c>: the production path on this machine. A redis-server (AOF,
/// <c>appendfsync everysec</c> or <c>always</c>), two serving silo processes with the Redis providers and the gateway in
/// Client mode (<see cref="RecoCluster"/>); the catalog and the users' histories are loaded over HTTP. Then, per run:
/// durable ingest over HTTP (events acknowledged per second, one and ten events per call) with the Redis bytes
/// written per event (growth of the append-only file, its automatic rewrite switched off), recommendation latency at
/// fixed rates while events flow at a share of the sustained rate (half by default), and freshness.
/// </summary>
internal static class RedisClusterBench
{
    private const int InFlight = 64;

    public static async Task<int> RunAsync(ClusterBenchSettings settings, CancellationToken cancellation)
    {
        try
        {
            return await RunCoreAsync(settings, cancellation);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellation.IsCancellationRequested)
        {
            Console.Error.WriteLine($"reco bench cluster --storage redis: {e.GetType().Name}: {e.Message}");
            return 1;
        }
    }

    private static async Task<int> RunCoreAsync(ClusterBenchSettings settings, CancellationToken cancellation)
    {
        var total = Stopwatch.StartNew();
        Console.Error.WriteLine($"bench cluster --storage redis: starting redis-server (appendfsync {settings.Fsync}), two serving silos and the gateway; {settings.Items:N0} items...");
        await using var cluster = await RecoCluster.StartAsync(new ClusterOptions
        {
            ServingSilos = 2,
            TrainSilo = false,
            FastFailureDetection = false,
            WorkstationGc = settings.WorkstationSiloGc,
            Fsync = settings.Fsync,
            Items = settings.Items,
            HistoryLength = 200,
            Log = line => Console.Error.WriteLine("  " + line),
        }, cancellation);
        double loadItems = total.Elapsed.TotalSeconds;
        using var http = cluster.CreateClient(TimeSpan.FromSeconds(60));
        var target = new HttpTarget(http);
        string[] users = Enumerable.Range(0, settings.Users).Select(u => "load-u" + u.ToString(CultureInfo.InvariantCulture)).ToArray();
        string[] items = Enumerable.Range(0, settings.Items).Select(RecoCluster.ItemId).ToArray();

        var clock = Stopwatch.StartNew();
        long now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        await Parallel.ForEachAsync(Enumerable.Range(0, users.Length), new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = cancellation },
            async (u, _) =>
            {
                var random = new Random(u);
                var history = new BenchEvent[settings.History];
                for (int k = 0; k < history.Length; k++)
                    history[k] = new BenchEvent($"hist-{u}-{k}", items[random.Next(items.Length)], "view", now - history.Length + k);
                await target.SendAsync(users[u], history);
            });
        double loadUsers = clock.Elapsed.TotalSeconds;
        Console.Error.WriteLine($"bench cluster: {users.Length:N0} users with {settings.History} history events each loaded in {loadUsers:F1} s");
        // The append-only file is measured by its growth: no automatic rewrite while measuring.
        await cluster.Redis.CommandAsync("CONFIG", "SET", "auto-aof-rewrite-percentage", "0");
        // A rewrite the loading started may still be running: its end shrinks the file, which read as a negative
        // number of bytes per event.
        await NoRewriteRunningAsync(cluster.Redis, cancellation);
        for (int i = 0; i < 200; i++) await target.RecommendAsync(users[i % users.Length]);

        var runs = new List<JsonObject>();
        for (int run = 1; run <= settings.Repeat; run++)
        {
            Console.Error.WriteLine($"bench cluster --storage redis: run {run} of {settings.Repeat}");
            var result = await MeasureAsync(cluster, target, users, items, settings, run, cancellation);
            result["items"] = settings.Items;
            result["users"] = users.Length;
            result["history_events_per_user"] = settings.History;
            result["load_items_s"] = Math.Round(loadItems, 2);
            result["load_users_s"] = Math.Round(loadUsers, 2);
            result["storage"] = "redis";
            result["appendfsync"] = settings.Fsync;
            result["processes"] = "redis-server, 2 serving silos, gateway (Client mode)";
            result["silo_gc"] = settings.WorkstationSiloGc ? "workstation" : "server (the deployed runtime configuration)";
            result["cores"] = Environment.ProcessorCount;
            result["load_average"] = BenchEnvironment.LoadAverage();
            runs.Add((JsonObject)JsonNode.Parse(JsonSerializer.Serialize(result))!);
        }
        var combined = BenchRuns.Combine(runs);
        combined["total_s"] = Math.Round(total.Elapsed.TotalSeconds, 1);
        BenchRuns.Write(settings.Output, combined, $"Cluster serving benchmark (Redis, appendfsync {settings.Fsync})",
            $"redis-server (appendonly yes, appendfsync {settings.Fsync}), two serving silo processes with the Redis providers and the gateway in " +
            $"Client mode, all on this machine's {Environment.ProcessorCount} cores with the load generator; {settings.Items:N0} items in 8 shards, " +
            $"{users.Length:N0} users with {settings.History} history events each, everything over HTTP. Ingest: {InFlight} calls in flight, each " +
            "acknowledged (202) only once durable. Recommendation rates are held open-loop while events flow at " +
            $"{settings.FlowShare:0.##} of the sustained one-per-call ingest rate. Redis bytes per event: growth of the append-only file over the ingest runs divided by the events acknowledged. " +
            "CPU: cores each process used in the one-per-call ingest window and in each rate window (user + system time from /proc, CPU seconds per second), and the machine's busy share.");
        settings.WriteTimeline($"Redis, appendfsync {settings.Fsync}");
        return 0;
    }

    private static async Task<Dictionary<string, object?>> MeasureAsync(RecoCluster cluster, HttpTarget target, string[] users, string[] items,
        ClusterBenchSettings settings, int run, CancellationToken cancellation)
    {
        string runId = $"r{run}-{Environment.ProcessId}";
        var processes = Processes(cluster);
        double aof0 = await AofBytesAsync(cluster.Redis);
        var cpu0 = ProcessCpu.Sample(processes);
        var single = await ServingMeasures.IngestAsync(target, users, items, 1, InFlight, settings.Duration, runId);
        var ingestCpu = ProcessCpu.Between(cpu0, ProcessCpu.Sample(processes));
        double aof1 = await AofBytesAsync(cluster.Redis);
        var batched = await ServingMeasures.IngestAsync(target, users, items, 10, InFlight, settings.Duration, runId);
        double aof2 = await AofBytesAsync(cluster.Redis);
        double perEvent = single.Events > 0 ? (aof1 - aof0) / single.Events : double.NaN;
        double perEventBatched = batched.Events > 0 ? (aof2 - aof1) / batched.Events : double.NaN;
        Console.Error.WriteLine($"  ingest: {single.EventsPerSecond:N0} events/s one per call ({perEvent:N0} Redis bytes/event, {single.Errors} errors), " +
                                $"{batched.EventsPerSecond:N0} events/s ten per call ({perEventBatched:N0} bytes/event, {batched.Errors} errors)");
        Console.Error.WriteLine($"  CPU while ingesting one per call: {ingestCpu}");

        double flowRate = single.EventsPerSecond * settings.FlowShare;
        var recommend = new List<(RateResult Result, RuntimeSample? Runtime)>();
        var windowCpu = new List<CpuWindow>();
        long flowAcked = 0;
        int flowErrors = 0;
        foreach (double rate in settings.Rates)
        {
            using var stopFlow = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
            var flow = flowRate > 0
                ? ServingMeasures.EventFlowAsync(target, users, items, flowRate, 1, settings.Duration + TimeSpan.FromSeconds(30), $"{runId}-{rate}", stopFlow.Token)
                : Task.FromResult((Acked: 0L, Errors: 0));
            var before = ProcessCpu.Sample(processes);
            var measured = await ServingMeasures.RecommendAtRatesAsync(target, users, [rate], settings.Duration, probe: null, seed: run, cancellation,
                settings.Timeline, flowRate > 0 ? "with events" : "queries", run);
            windowCpu.Add(ProcessCpu.Between(before, ProcessCpu.Sample(processes)));
            Console.Error.WriteLine($"  CPU at {rate:N0} req/s{(flowRate > 0 ? $" with {flowRate:N0} events/s" : "")}: {windowCpu[^1]}");
            stopFlow.Cancel();
            var (acked, errors) = await flow;
            flowAcked += acked;
            flowErrors += errors;
            recommend.Add(measured[0]);
        }
        Console.Error.WriteLine($"  event flow during the queries: {flowRate:N0} events/s scheduled, {flowAcked:N0} acknowledged, {flowErrors} failed calls");
        var freshness = await ServingMeasures.FreshnessAsync(target, users, 100, runId, seed: run);

        return new Dictionary<string, object?>
        {
            ["recommend"] = recommend.Select((x, i) => WithCpu(ServingMeasures.RateRow(x.Result, x.Runtime), windowCpu[i])).ToList(),
            ["max_rate_p99_under_50ms"] = ServingMeasures.MaxRateUnder(recommend.Select(x => x.Result), 50),
            ["ingest_events_per_s"] = Math.Round(single.EventsPerSecond),
            ["ingest_errors"] = single.Errors,
            ["ingest_process_cpu_cores"] = ingestCpu.Cores,
            ["ingest_machine_busy"] = ingestCpu.MachineBusy,
            ["ingest_cpu_us_per_event"] = single.EventsPerSecond > 0 && ingestCpu.Cores.Count > 0
                ? Math.Round(ingestCpu.Cores.Values.Sum() * 1e6 / single.EventsPerSecond, 1) : null,
            ["ingest_batched_events_per_s"] = Math.Round(batched.EventsPerSecond),
            ["ingest_batched_errors"] = batched.Errors,
            ["redis_bytes_per_event"] = Math.Round(perEvent),
            ["redis_bytes_per_event_batched"] = Math.Round(perEventBatched),
            ["event_flow_per_s"] = Math.Round(flowRate),
            ["event_flow_share"] = settings.FlowShare,
            ["event_flow_errors"] = flowErrors,
            ["freshness_p50_ms"] = Math.Round(OpenLoop.Percentile(freshness, 0.5), 3),
            ["freshness_p99_ms"] = Math.Round(OpenLoop.Percentile(freshness, 0.99), 3),
            ["shards"] = 8,
        };
    }

    /// <summary>The processes whose CPU each window records: the cluster's and this one (the load generator).</summary>
    private static Dictionary<string, int> Processes(RecoCluster cluster)
    {
        var processes = new Dictionary<string, int>(StringComparer.Ordinal)
        {
            ["load generator"] = Environment.ProcessId,
            ["redis-server"] = cluster.Redis.Pid,
            ["gateway"] = cluster.Gateway.Pid,
        };
        foreach (var silo in cluster.Silos)
            if (silo.Process is { } process) processes[silo.Name] = process.Pid;
        return processes;
    }

    private static Dictionary<string, object?> WithCpu(Dictionary<string, object?> row, CpuWindow cpu)
    {
        row["process_cpu_cores"] = cpu.Cores;
        row["machine_busy"] = cpu.MachineBusy;
        return row;
    }

    private static async Task NoRewriteRunningAsync(RedisProcess redis, CancellationToken cancellation)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (await redis.InfoAsync() is var info
               && (info.GetValueOrDefault("aof_rewrite_in_progress") > 0 || info.GetValueOrDefault("aof_rewrite_scheduled") > 0))
        {
            if (clock.Elapsed > TimeSpan.FromMinutes(5))
                throw new InvalidOperationException($"redis-server on port {redis.Port} is still rewriting its append-only file after 5 minutes.");
            await Task.Delay(200, cancellation);
        }
    }

    private static async Task<double> AofBytesAsync(RedisProcess redis)
    {
        var info = await redis.InfoAsync();
        return info.TryGetValue("aof_current_size", out double size)
            ? size
            : throw new InvalidOperationException($"redis-server on port {redis.Port} reports no aof_current_size (is appendonly on?).");
    }

    /// <summary>The cluster through the gateway's HTTP API.</summary>
    private sealed class HttpTarget(GatewayClient http) : IServingTarget
    {
        public async Task<string[]> RecommendAsync(string userId) => (await http.RecommendAsync(userId, 10)).ItemIds;

        public async Task SendAsync(string userId, BenchEvent[] events)
        {
            var batch = new LoadEvent[events.Length];
            for (int i = 0; i < batch.Length; i++) batch[i] = new LoadEvent(events[i].EventId, userId, events[i].ItemId, events[i].Type, events[i].Timestamp);
            var status = await http.PostEventsAsync(batch);
            if (status != HttpStatusCode.Accepted) throw new HttpRequestException($"POST /v1/events answered {(int)status}.", null, status);
        }
    }
}
