using System.Diagnostics;
using OrleansReco.LocalCluster;

namespace OrleansReco.Cli.Commands.Bench;

/// <summary>One event as the serving benchmarks send it.</summary>
internal readonly record struct BenchEvent(string EventId, string ItemId, string Type, long Timestamp);

/// <summary>What the serving measures need from a cluster: an in-process client or the HTTP gateway.</summary>
internal interface IServingTarget
{
    /// <summary>The user's top-10 item ids; throws when the answer is not a success.</summary>
    Task<string[]> RecommendAsync(string userId);

    /// <summary>Sends events of one user; returns when they are acknowledged (durable); throws otherwise.</summary>
    Task SendAsync(string userId, BenchEvent[] events);
}

/// <summary>
/// The measures shared by the in-process and the multi-process cluster benchmarks: recommendation latency at fixed
/// rates (open loop), acknowledged ingest throughput (closed loop, a fixed number of calls in flight), freshness and
/// a background event flow at a fixed rate.
/// </summary>
internal static class ServingMeasures
{
    private static readonly string[] Types = ["view", "view", "view", "click", "add_to_cart", "purchase"];

    /// <summary>
    /// Latency at each rate; with a probe, what the runtime did during each (GC pauses, allocations, queueing); with a
    /// timeline, every request's start and latency, as window <paramref name="window"/> of run <paramref name="run"/>.
    /// </summary>
    public static async Task<List<(RateResult Result, RuntimeSample? Runtime)>> RecommendAtRatesAsync(
        IServingTarget target, string[] users, double[] rates, TimeSpan duration, RuntimeProbe? probe, int seed, CancellationToken cancellation,
        LatencyTimeline? timeline = null, string window = "queries", int run = 1)
    {
        var random = new Random(seed);
        var results = new List<(RateResult, RuntimeSample?)>();
        foreach (double rate in rates)
        {
            var picks = Enumerable.Range(0, (int)(rate * duration.TotalSeconds) + 1).Select(_ => users[random.Next(users.Length)]).ToArray();
            using var probed = probe?.Start();
            var r = await OpenLoop.RunAsync(rate, duration, i => target.RecommendAsync(picks[i]), cancellation, keepTimeline: timeline is not null);
            var runtime = probed?.Stop();
            timeline?.Add(run, window, rate, r.Timeline);
            Console.Error.WriteLine($"  recommend @ {rate,6:N0}/s: achieved {r.AchievedRate,7:N0}/s  p50 {r.P50Ms,7:F2} ms  p90 {r.P90Ms,7:F2} ms  p99 {r.P99Ms,8:F2} ms  errors {r.Errors}" +
                                    (runtime is null ? "" : $"  gc pauses {runtime.Pauses} (max {runtime.PauseMaxMs:F1} ms, gen {runtime.LongestPauseGeneration}, suspend max {runtime.SuspendMaxMs:F1} ms)  {runtime.BytesPer(r.Requests) / 1024:F0} KiB/request  pool queue max {runtime.ThreadPoolQueueMax}"));
            results.Add((r, runtime));
        }
        return results;
    }

    /// <summary>Events per second acknowledged with <paramref name="perCall"/> events per call and <paramref name="inFlight"/> calls in flight.</summary>
    public static async Task<(double EventsPerSecond, long Events, int Errors)> IngestAsync(
        IServingTarget target, string[] users, IReadOnlyList<string> items, int perCall, int inFlight, TimeSpan duration, string runId)
    {
        long sent = 0;
        int next = 0, errors = 0;
        var clock = Stopwatch.StartNew();
        var workers = Enumerable.Range(0, inFlight).Select(async w =>
        {
            var random = new Random(w);
            while (clock.Elapsed < duration)
            {
                long now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
                int n = Interlocked.Increment(ref next);
                var events = new BenchEvent[perCall];
                for (int k = 0; k < perCall; k++)
                    events[k] = new BenchEvent($"{runId}-{perCall}-{n}-{k}", items[random.Next(items.Count)], "view", now);
                try
                {
                    await target.SendAsync(users[random.Next(users.Length)], events);
                    Interlocked.Add(ref sent, perCall);
                }
                catch (Exception) when (clock.Elapsed < duration + TimeSpan.FromMinutes(1))
                {
                    Interlocked.Increment(ref errors);
                }
            }
        }).ToArray();
        await Task.WhenAll(workers);
        return (sent / clock.Elapsed.TotalSeconds, sent, errors);
    }

    /// <summary>
    /// Open-loop events at <paramref name="eventsPerSecond"/> (batches of <paramref name="batch"/> events of one user)
    /// for at most <paramref name="duration"/> or until <paramref name="stop"/> fires; returns the events acknowledged
    /// and the failed batches.
    /// </summary>
    public static async Task<(long Acked, int Errors)> EventFlowAsync(
        IServingTarget target, string[] users, IReadOnlyList<string> items, double eventsPerSecond, int batch, TimeSpan duration, string runId,
        CancellationToken stop)
    {
        long acked = 0;
        int errors = 0;
        long now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        await OpenLoop.ScheduleAsync(eventsPerSecond / batch, Math.Max(1, (int)(eventsPerSecond / batch * duration.TotalSeconds)), async (i, _) =>
        {
            var random = new Random(HashCode.Combine(runId, i));
            var events = new BenchEvent[batch];
            for (int k = 0; k < batch; k++)
                events[k] = new BenchEvent($"{runId}-flow-{i}-{k}", items[random.Next(items.Count)], Types[random.Next(Types.Length)], now);
            try
            {
                await target.SendAsync(users[random.Next(users.Length)], events);
                Interlocked.Add(ref acked, batch);
            }
            catch (Exception)
            {
                Interlocked.Increment(ref errors);
            }
        }, stop);
        return (acked, errors);
    }

    /// <summary>
    /// Freshness: the user's top item is bought; the time until a recommendation no longer shows it (it is seen).
    /// Returns the sorted times in milliseconds.
    /// </summary>
    public static async Task<double[]> FreshnessAsync(IServingTarget target, string[] users, int samples, string runId, int seed)
    {
        var random = new Random(seed);
        var freshness = new List<double>(samples);
        for (int s = 0; s < samples; s++)
        {
            string user = users[random.Next(users.Length)];
            var before = await target.RecommendAsync(user);
            if (before.Length == 0) continue;
            string top = before[0];
            long start = Stopwatch.GetTimestamp();
            await target.SendAsync(user, [new BenchEvent($"{runId}-fresh-{s}", top, "purchase", DateTimeOffset.UtcNow.ToUnixTimeSeconds())]);
            string[] after;
            do after = await target.RecommendAsync(user);
            while (after.Contains(top) && Stopwatch.GetElapsedTime(start) < TimeSpan.FromSeconds(5));
            freshness.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
        }
        var sorted = freshness.Order().ToArray();
        Console.Error.WriteLine($"  freshness: p50 {OpenLoop.Percentile(sorted, 0.5):F2} ms, p99 {OpenLoop.Percentile(sorted, 0.99):F2} ms");
        return sorted;
    }

    /// <summary>A row of <c>recommend</c> in the results.</summary>
    public static Dictionary<string, object?> RateRow(RateResult x, RuntimeSample? runtime)
    {
        var row = new Dictionary<string, object?>
        {
            ["rate"] = x.Rate, ["achieved_rate"] = Math.Round(x.AchievedRate, 1), ["p50_ms"] = Math.Round(x.P50Ms, 3),
            ["p90_ms"] = Math.Round(x.P90Ms, 3), ["p99_ms"] = Math.Round(x.P99Ms, 3), ["max_ms"] = Math.Round(x.MaxMs, 3),
            ["requests"] = x.Requests, ["errors"] = x.Errors,
        };
        if (runtime is not null) row["runtime"] = runtime.ToJson(x.Requests);
        return row;
    }

    /// <summary>The highest rate whose p99 stayed within <paramref name="ms"/> without errors, or null.</summary>
    public static double? MaxRateUnder(IEnumerable<RateResult> results, double ms) =>
        results.Where(r => r.P99Ms <= ms && r.Errors == 0).Select(r => (double?)r.Rate).Max();
}
