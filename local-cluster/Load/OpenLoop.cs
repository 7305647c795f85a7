using System.Diagnostics;

namespace OrleansReco.LocalCluster;

/// <summary>Latencies of one fixed-rate run, in milliseconds, and how many calls failed.</summary>
public sealed record RateResult(double Rate, double AchievedRate, int Requests, int Errors, double P50Ms, double P90Ms, double P99Ms, double MaxMs)
{
    /// <summary>Every request's scheduled start and latency, when the run was asked to keep them; null otherwise.</summary>
    public RequestTimeline? Timeline { get; init; }
}

/// <summary>
/// Request i of an open-loop run: scheduled <c>StartSeconds[i]</c> after the run's start (i / rate), answered
/// <c>LatencyMs[i]</c> milliseconds after that. <see cref="Started"/> is the run's start on the wall clock, to line the
/// requests up with other records of the same time (logs, metrics).
/// </summary>
public sealed record RequestTimeline(DateTimeOffset Started, double[] StartSeconds, double[] LatencyMs);

/// <summary>
/// Open-loop load at a fixed request rate: request i is started at its scheduled time t0 + i/rate whether or not
/// earlier ones have finished, and its latency is measured from that scheduled time (so queueing delay caused by
/// a slow system counts, avoiding coordinated omission).
/// </summary>
public static class OpenLoop
{
    /// <summary>
    /// Holds <paramref name="rate"/> requests per second for <paramref name="duration"/>; with <paramref name="keepTimeline"/>,
    /// the result also carries each request's start and latency (<see cref="RateResult.Timeline"/>).
    /// </summary>
    public static async Task<RateResult> RunAsync(double rate, TimeSpan duration, Func<int, Task> call, CancellationToken cancellation = default,
        bool keepTimeline = false)
    {
        int total = Math.Max(1, (int)(rate * duration.TotalSeconds));
        var latencies = new double[total];
        int errors = 0;
        var started = DateTimeOffset.UtcNow;
        var clock = Stopwatch.StartNew();
        await ScheduleAsync(rate, total, Measure, cancellation);
        double elapsed = clock.Elapsed.TotalSeconds;
        var timeline = keepTimeline ? new RequestTimeline(started, Enumerable.Range(0, total).Select(i => i / rate).ToArray(), (double[])latencies.Clone()) : null;
        Array.Sort(latencies);
        return new RateResult(rate, total / elapsed, total, errors, Percentile(latencies, 0.50), Percentile(latencies, 0.90),
            Percentile(latencies, 0.99), latencies[^1]) { Timeline = timeline };

        async Task Measure(int index, long due)
        {
            try
            {
                await call(index);
            }
            catch (Exception) when (!cancellation.IsCancellationRequested)
            {
                Interlocked.Increment(ref errors);
            }
            latencies[index] = (Stopwatch.GetTimestamp() - due) * 1000.0 / Stopwatch.Frequency;
        }
    }

    /// <summary>
    /// Starts <paramref name="call"/>(i, due) for i = 0..count-1 at <c>t0 + i/rate</c> (due is that
    /// <see cref="Stopwatch"/> timestamp) without waiting for earlier calls, then waits for all of them.
    /// Stops starting new calls when <paramref name="cancellation"/> fires; calls already started are awaited.
    /// <para>
    /// The calls are started by a thread of their own that sleeps until the next one is due and then starts every call
    /// whose time has come. It never spins: on a machine of two cores a spinning load generator takes half the CPU
    /// from the system it measures. The sleep's granularity (about a millisecond) makes a call start up to that much
    /// after its due time; the latency still counts from the due time, so that lag counts against the system measured.
    /// </para>
    /// </summary>
    public static async Task ScheduleAsync(double rate, int count, Func<int, long, Task> call, CancellationToken cancellation = default)
    {
        if (rate <= 0) throw new ArgumentOutOfRangeException(nameof(rate), rate, "The rate must be positive.");
        var pending = new Task[count];
        int started = 0;
        var issued = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var issuer = new Thread(() =>
        {
            try
            {
                double ticksPerRequest = Stopwatch.Frequency / rate;
                long start = Stopwatch.GetTimestamp();
                for (int i = 0; i < count && !cancellation.IsCancellationRequested; i++)
                {
                    long due = start + (long)(i * ticksPerRequest);
                    for (long wait; (wait = due - Stopwatch.GetTimestamp()) > 0;)
                        Thread.Sleep(Math.Max(1, (int)(wait * 1000 / Stopwatch.Frequency)));
                    pending[i] = call(i, due);
                    started = i + 1;
                }
                issued.SetResult();
            }
            catch (Exception e)
            {
                issued.SetException(e);
            }
        })
        {
            Name = "open-loop",
            IsBackground = true,
        };
        issuer.Start();
        await issued.Task;
        await Task.WhenAll(pending.AsSpan(0, started).ToArray());
    }

    /// <summary>The value at quantile <paramref name="q"/> of sorted values (nearest rank).</summary>
    public static double Percentile(double[] sorted, double q)
    {
        if (sorted.Length == 0) return double.NaN;
        int rank = (int)Math.Ceiling(q * sorted.Length) - 1;
        return sorted[Math.Clamp(rank, 0, sorted.Length - 1)];
    }
}
