using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json;

namespace OrleansReco.LocalCluster;

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

/// <summary>
/// What became of one write (an event), Jepsen style: <see cref="Ok"/> when a send was acknowledged (202, or a 503
/// naming its user among the persisted ones); otherwise <see cref="Indeterminate"/> when some send got no answer (a
/// timeout or a connection reset: it may have been recorded) and <see cref="Failed"/> when every send got a definite
/// refusal (an HTTP 4xx/5xx, or a connection refused before anything was sent).
/// </summary>
public enum WriteOutcome
{
    Ok,
    Failed,
    Indeterminate,
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

    /// <summary>Event id → user id of every acknowledged event (its batch answered 202, or a 503 named its user persisted).</summary>
    public required IReadOnlyDictionary<string, string> Acked { get; init; }

    /// <summary>Event id → when its acknowledgement arrived, seconds since the run began.</summary>
    public required IReadOnlyDictionary<string, double> AckedAt { get; init; }

    /// <summary>Event id → its outcome, for every event sent.</summary>
    public required IReadOnlyDictionary<string, WriteOutcome> Outcomes { get; init; }

    /// <summary>Events of each outcome.</summary>
    public int Count(WriteOutcome outcome) => Outcomes.Values.Count(o => o == outcome);

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
/// every event of a batch answered 202 (or of a user a 503 names persisted) is recorded as acknowledged (and written
/// to the ack log when one is given), and every event sent gets a <see cref="WriteOutcome"/>.
/// </summary>
public sealed class LoadGenerator(GatewayClient client, LoadOptions options)
{
    /// <summary>Status of a request that got no answer (timeout, connection reset): it may have been processed.</summary>
    public const int NoAnswer = 0;

    /// <summary>Status of a request whose connection was refused: nothing was sent, so nothing was processed.</summary>
    public const int Refused = -1;

    private static readonly string[] Types = ["view", "view", "view", "click", "add_to_cart", "purchase"];
    private readonly long _start = Stopwatch.GetTimestamp();
    private readonly List<(int Count, TaskCompletionSource Reached)> _inFlightWaiters = [];
    private int _inFlight;

    /// <summary>Seconds since this generator was created (the time base of every <see cref="RequestRecord"/>).</summary>
    public double Now => Stopwatch.GetElapsedTime(_start).TotalSeconds;

    /// <summary>Event batch sends started and not yet answered.</summary>
    public int BatchesInFlight => Volatile.Read(ref _inFlight);

    /// <summary>Completes as soon as at least <paramref name="count"/> event batch sends are in flight at once.</summary>
    public Task WhenBatchesInFlightAsync(int count, CancellationToken cancellation)
    {
        var reached = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_inFlightWaiters)
        {
            if (_inFlight >= count) return Task.CompletedTask;
            _inFlightWaiters.Add((count, reached));
        }
        return reached.Task.WaitAsync(cancellation);
    }

    private void SendStarted()
    {
        lock (_inFlightWaiters)
        {
            int now = ++_inFlight;
            for (int i = _inFlightWaiters.Count - 1; i >= 0; i--)
            {
                if (_inFlightWaiters[i].Count > now) continue;
                _inFlightWaiters[i].Reached.TrySetResult();
                _inFlightWaiters.RemoveAt(i);
            }
        }
    }

    private void SendEnded()
    {
        lock (_inFlightWaiters) _inFlight--;
    }

    public async Task<LoadResult> RunAsync(TextWriter? ackLog = null, CancellationToken cancellation = default)
    {
        var o = options;
        var records = new ConcurrentQueue<RequestRecord>();
        var acked = new ConcurrentDictionary<string, string>(StringComparer.Ordinal);
        var ackedAt = new ConcurrentDictionary<string, double>(StringComparer.Ordinal);
        var outcomes = new ConcurrentDictionary<string, WriteOutcome>(StringComparer.Ordinal);
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
            bool unanswered = false;
            for (int attempt = 1; attempt <= o.Attempts; attempt++)
            {
                double start = Now;
                SendStarted();
                var (status, persisted) = await Try(() => client.PostEventsAnsweredAsync(batch, CancellationToken.None));
                SendEnded();
                double end = Now;
                bool ok = status == (int)HttpStatusCode.Accepted;
                records.Enqueue(new RequestRecord("events", start, end, Stopwatch.GetElapsedTime(scheduled).TotalMilliseconds, ok, status));
                unanswered |= status == NoAnswer;
                // A 202 acknowledges every event; a 503 those of the users it names persisted.
                foreach (var e in batch)
                    if ((ok || persisted.Contains(e.UserId)) && acked.TryAdd(e.EventId, e.UserId))
                    {
                        ackedAt[e.EventId] = end;
                        outcomes[e.EventId] = WriteOutcome.Ok;
                        if (ackLog is not null)
                            lock (ackLog) ackLog.WriteLine(JsonSerializer.Serialize(new { event_id = e.EventId, user_id = e.UserId, acked_at_s = Math.Round(end, 3) }));
                    }
                if (ok) return;
                if (attempt < o.Attempts) await Task.Delay(o.RetryDelay, CancellationToken.None);
                scheduled = Stopwatch.GetTimestamp();
            }
            foreach (var e in batch) outcomes.TryAdd(e.EventId, unanswered ? WriteOutcome.Indeterminate : WriteOutcome.Failed);
        }, stop.Token);

        var queriesTask = queries == 0 ? Task.CompletedTask : OpenLoop.ScheduleAsync(o.QueryRate, queries, async (i, due) =>
        {
            string user = o.UserPrefix + new Random(HashCode.Combine(o.Seed, -i - 1)).Next(o.Users).ToString(CultureInfo.InvariantCulture);
            double start = Now;
            var (status, _) = await Try(async () =>
            {
                await client.RecommendAsync(user, 10, CancellationToken.None);
                return new EventsAnswer(HttpStatusCode.OK, []);
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
            AckedAt = ackedAt,
            Outcomes = outcomes,
            Sent = sent,
            Requests = records.OrderBy(r => r.Start).ToArray(),
        };
    }

    /// <summary>Runs a request; returns its status and the persisted users of a 503, or the status <see cref="StatusOf"/> gives its failure.</summary>
    private static async Task<(int Status, IReadOnlyList<string> Persisted)> Try(Func<Task<EventsAnswer>> request)
    {
        try
        {
            var answer = await request();
            return ((int)answer.Status, answer.PersistedUsers);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException)
        {
            return (StatusOf(e), []);
        }
    }

    /// <summary>
    /// The status a failed request counts as: its HTTP status when the server answered one, <see cref="Refused"/>
    /// when the connection was refused (the request never reached a server), otherwise <see cref="NoAnswer"/> (a
    /// timeout, or a connection reset or closed mid-request: the server may have processed it).
    /// </summary>
    public static int StatusOf(Exception error)
    {
        if (error is HttpRequestException { StatusCode: { } status }) return (int)status;
        for (var e = error; e is not null; e = e.InnerException)
            if (e is System.Net.Sockets.SocketException { SocketErrorCode: System.Net.Sockets.SocketError.ConnectionRefused }) return Refused;
        return NoAnswer;
    }
}
