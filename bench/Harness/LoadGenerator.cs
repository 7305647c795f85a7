using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json;

namespace OrleansReco.Harness;

/// <summary>How much load to send. Bounded both in count (<see cref="MaxEvents"/>) and in time (<see cref="Duration"/>).</summary>
public sealed record LoadOptions
{
    /// <summary>Events per second (sent in batches of <see cref="BatchSize"/>).</summary>
    public double EventRate { get; init; } = 200;
    public int BatchSize { get; init; } = 10;

    /// <summary>Recommendation queries per second (0: none).</summary>
    public double QueryRate { get; init; } = 50;

    public TimeSpan Duration { get; init; } = TimeSpan.FromSeconds(20);

    /// <summary>At most this many events in total.</summary>
    public int MaxEvents { get; init; } = 100_000;

    /// <summary>Users the events and queries go to (<c>{UserPrefix}{0..Users-1}</c>).</summary>
    public int Users { get; init; } = 100;
    public string UserPrefix { get; init; } = "load-u";

    /// <summary>Items the events name (<c>item-0..Items-1</c>, the harness catalogue).</summary>
    public int Items { get; init; } = 300;

    /// <summary>Sends of one batch (first try + retries with the same event ids, like a producer that retries).</summary>
    public int Attempts { get; init; } = 4;
    public TimeSpan RetryDelay { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>HTTP timeout per request.</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(20);

    /// <summary>Prefix of event ids (unique per run).</summary>
    public string RunId { get; init; } = Guid.NewGuid().ToString("N")[..8];

    public int Seed { get; init; } = 7;
}

/// <summary>One HTTP request of a load run: kind (<c>events</c> or <c>query</c>), start and end in seconds since the run began, outcome.</summary>
public readonly record struct RequestRecord(string Kind, double Start, double End, double LatencyMs, bool Ok, int Status);

/// <summary>Latency percentiles of one kind of request, in milliseconds.</summary>
public sealed record LatencySummary(int Requests, int Errors, double ThroughputPerSecond, double P50Ms, double P95Ms, double P99Ms, double MaxMs);

/// <summary>What a load run sent and what was acknowledged.</summary>
public sealed class LoadResult
{
    public required LoadOptions Options { get; init; }
    public required double DurationSeconds { get; init; }
    public required int EventsSent { get; init; }

    /// <summary>Event id → user id of every event inside a batch answered 202.</summary>
    public required IReadOnlyDictionary<string, string> Acked { get; init; }

    /// <summary>Event id → user id of every event sent.</summary>
    public required IReadOnlyDictionary<string, string> Sent { get; init; }

    public required IReadOnlyList<RequestRecord> Requests { get; init; }

    public LatencySummary Events => Summarize("events");
    public LatencySummary Queries => Summarize("query");

    /// <summary>Failed requests per whole second of the run (index = second).</summary>
    public int[] ErrorsPerSecond()
    {
        var errors = new int[(int)Math.Ceiling(Math.Max(DurationSeconds, Requests.Count == 0 ? 0 : Requests.Max(r => r.End))) + 1];
        foreach (var r in Requests) if (!r.Ok) errors[Math.Clamp((int)r.Start, 0, errors.Length - 1)]++;
        return errors;
    }

    private LatencySummary Summarize(string kind)
    {
        var of = Requests.Where(r => r.Kind == kind).ToArray();
        var latencies = of.Select(r => r.LatencyMs).Order().ToArray();
        int ok = of.Count(r => r.Ok);
        double unit = kind == "events" ? Options.BatchSize : 1;
        return new LatencySummary(of.Length, of.Length - ok, DurationSeconds > 0 ? ok * unit / DurationSeconds : 0,
            Round(OpenLoop.Percentile(latencies, 0.50)), Round(OpenLoop.Percentile(latencies, 0.95)),
            Round(OpenLoop.Percentile(latencies, 0.99)), latencies.Length == 0 ? double.NaN : Round(latencies[^1]));
    }

    private static double Round(double v) => double.IsNaN(v) ? v : Math.Round(v, 2);

    /// <summary>The JSON summary <c>reco bench load</c> prints: throughput, latency percentiles and errors per second.</summary>
    public string ToJson()
    {
        var doc = new Dictionary<string, object?>
        {
            ["duration_s"] = Math.Round(DurationSeconds, 2),
            ["events_sent"] = EventsSent,
            ["events_acked"] = Acked.Count,
            ["events"] = Describe(Events),
            ["queries"] = Describe(Queries),
            ["errors_per_second"] = ErrorsPerSecond(),
        };
        return JsonSerializer.Serialize(doc, new JsonSerializerOptions { WriteIndented = true });

        static Dictionary<string, object?> Describe(LatencySummary s) => new()
        {
            ["requests"] = s.Requests,
            ["errors"] = s.Errors,
            ["throughput_per_s"] = Math.Round(s.ThroughputPerSecond, 1),
            ["latency_ms"] = new Dictionary<string, object?> { ["p50"] = Nan(s.P50Ms), ["p95"] = Nan(s.P95Ms), ["p99"] = Nan(s.P99Ms), ["max"] = Nan(s.MaxMs) },
        };

        static object? Nan(double v) => double.IsNaN(v) ? null : v;
    }
}

/// <summary>
/// Open-loop HTTP load against a gateway (<see cref="OpenLoop.ScheduleAsync"/>): event batches with unique event ids
/// at one rate and recommendation queries at another, each started on schedule whether or not earlier ones
/// finished. A failed batch is sent again with the same ids (at most <see cref="LoadOptions.Attempts"/> times);
/// every event of a batch answered 202 is recorded as acknowledged (and written to the ack log when one is given).
/// </summary>
public sealed class LoadGenerator(GatewayClient client, LoadOptions options)
{
    private static readonly string[] Types = ["view", "view", "view", "click", "add_to_cart", "purchase"];
    private readonly long _start = Stopwatch.GetTimestamp();

    /// <summary>Seconds since this generator was created (the time base of every <see cref="RequestRecord"/>).</summary>
    public double Now => Stopwatch.GetElapsedTime(_start).TotalSeconds;

    public async Task<LoadResult> RunAsync(TextWriter? ackLog = null, CancellationToken cancellation = default)
    {
        var o = options;
        var records = new ConcurrentQueue<RequestRecord>();
        var acked = new ConcurrentDictionary<string, string>(StringComparer.Ordinal);
        var sent = new ConcurrentDictionary<string, string>(StringComparer.Ordinal);
        int batches = Math.Max(1, Math.Min((int)(o.EventRate / o.BatchSize * o.Duration.TotalSeconds), o.MaxEvents / o.BatchSize));
        int queries = o.QueryRate > 0 ? (int)(o.QueryRate * o.Duration.TotalSeconds) : 0;
        long now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        stop.CancelAfter(o.Duration + TimeSpan.FromSeconds(1));

        var eventsTask = OpenLoop.ScheduleAsync(o.EventRate / o.BatchSize, batches, async (i, due) =>
        {
            var random = new Random(HashCode.Combine(o.Seed, i));
            var batch = new LoadEvent[o.BatchSize];
            for (int j = 0; j < batch.Length; j++)
            {
                string id = string.Create(CultureInfo.InvariantCulture, $"{o.RunId}-{i}-{j}");
                string user = o.UserPrefix + random.Next(o.Users).ToString(CultureInfo.InvariantCulture);
                batch[j] = new LoadEvent(id, user, RecoCluster.ItemId(random.Next(o.Items)), Types[random.Next(Types.Length)], now - batches + i);
                sent[id] = user;
            }
            long scheduled = due;
            for (int attempt = 1; attempt <= o.Attempts; attempt++)
            {
                double start = Now;
                int status = await Try(() => client.PostEventsAsync(batch, CancellationToken.None));
                double end = Now;
                bool ok = status == (int)HttpStatusCode.Accepted;
                records.Enqueue(new RequestRecord("events", start, end, Stopwatch.GetElapsedTime(scheduled).TotalMilliseconds, ok, status));
                if (ok)
                {
                    foreach (var e in batch) acked[e.EventId] = e.UserId;
                    if (ackLog is not null)
                        lock (ackLog) foreach (var e in batch) ackLog.WriteLine(JsonSerializer.Serialize(new { event_id = e.EventId, user_id = e.UserId, acked_at_s = Math.Round(end, 3) }));
                    return;
                }
                if (attempt < o.Attempts) await Task.Delay(o.RetryDelay, CancellationToken.None);
                scheduled = Stopwatch.GetTimestamp();
            }
        }, stop.Token);

        var queriesTask = queries == 0 ? Task.CompletedTask : OpenLoop.ScheduleAsync(o.QueryRate, queries, async (i, due) =>
        {
            string user = o.UserPrefix + new Random(HashCode.Combine(o.Seed, -i - 1)).Next(o.Users).ToString(CultureInfo.InvariantCulture);
            double start = Now;
            int status = await Try(async () =>
            {
                await client.RecommendAsync(user, 10, CancellationToken.None);
                return 200;
            });
            records.Enqueue(new RequestRecord("query", start, Now, Stopwatch.GetElapsedTime(due).TotalMilliseconds, status == 200, status));
        }, stop.Token);

        await Task.WhenAll(eventsTask, queriesTask);
        return new LoadResult
        {
            Options = o,
            DurationSeconds = Now,
            EventsSent = sent.Count,
            Acked = acked,
            Sent = sent,
            Requests = records.OrderBy(r => r.Start).ToArray(),
        };
    }

    /// <summary>Runs a request; a transport failure or timeout counts as status 0, an HTTP error as its status.</summary>
    private static async Task<int> Try(Func<Task<HttpStatusCode>> request)
    {
        try
        {
            return (int)await request();
        }
        catch (HttpRequestException e)
        {
            return e.StatusCode is { } s ? (int)s : 0;
        }
        catch (TaskCanceledException)
        {
            return 0;
        }
    }

    private static Task<int> Try(Func<Task<int>> request) => Try(async () => (HttpStatusCode)await request());
}
