using System.Diagnostics;
using System.Diagnostics.Tracing;

namespace OrleansReco.LocalCluster;

/// <summary>
/// What this process's runtime did during a measurement window: garbage-collection pauses (each one, from the
/// runtime's GC events), collections by generation, bytes allocated (all threads) and the thread pool's queue of
/// waiting work items (sampled every 5 ms). Tells whether a latency tail comes from collection pauses, allocation
/// or queueing.
/// </summary>
public sealed record RuntimeSample(
    double Seconds,
    int Pauses,
    double PauseTotalMs,
    double PauseMaxMs,
    int PausesOver5Ms,
    int Gen0,
    int Gen1,
    int Gen2,
    long AllocatedBytes,
    double ThreadPoolQueueMean,
    long ThreadPoolQueueMax,
    int ThreadPoolThreadsMax,
    IReadOnlyList<(string Type, long Bytes)>? AllocationsByType = null,
    double SuspendMaxMs = 0,
    int LongestPauseGeneration = -1,
    long LongestPausePromotedBytes = -1,
    IReadOnlyDictionary<string, double>? LongestPausePhases = null)
{
    /// <summary>Share of the window the process spent paused by the collector.</summary>
    public double PauseFraction => Seconds > 0 ? PauseTotalMs / (Seconds * 1000) : 0;

    /// <summary>Allocated bytes per operation (<paramref name="operations"/> requests in the window).</summary>
    public double BytesPer(long operations) => operations > 0 ? (double)AllocatedBytes / operations : 0;

    public Dictionary<string, object> ToJson(long operations)
    {
        var json = Fields(operations);
        if (AllocationsByType is { Count: > 0 } types)
            json["allocated_bytes_per_op_by_type"] = types.ToDictionary(t => t.Type, t => (object)Math.Round(operations > 0 ? (double)t.Bytes / operations : 0));
        return json;
    }

    private Dictionary<string, object> Fields(long operations) => new()
    {
        ["gc_pauses"] = Pauses,
        ["gc_pause_total_ms"] = Math.Round(PauseTotalMs, 2),
        ["gc_pause_max_ms"] = Math.Round(PauseMaxMs, 2),
        ["gc_pauses_over_5ms"] = PausesOver5Ms,
        ["gc_suspend_max_ms"] = Math.Round(SuspendMaxMs, 2),
        ["gc_longest_pause_generation"] = LongestPauseGeneration,
        // What the longest pause copied out of gen 0 and gen 1 (its length follows the survivors, not the garbage).
        ["gc_longest_pause_promoted_mib"] = LongestPausePromotedBytes < 0 ? -1 : Math.Round(LongestPausePromotedBytes / 1048576.0, 2),
        // Where the longest pause's time went (ms): bringing threads to a stop, each kind of mark root (the longest
        // heap's share when several heaps mark in parallel), the rest of the collection after marking (plan, sweep or
        // compact) and restarting the threads.
        ["gc_longest_pause_phases_ms"] = RuntimeProbe.PhaseNames.ToDictionary(n => n, n => (object)Math.Round(LongestPausePhases?.GetValueOrDefault(n) ?? 0, 2)),
        ["gc_pause_fraction"] = Math.Round(PauseFraction, 4),
        ["gen0"] = Gen0,
        ["gen1"] = Gen1,
        ["gen2"] = Gen2,
        ["allocated_bytes_per_op"] = Math.Round(BytesPer(operations)),
        ["threadpool_queue_mean"] = Math.Round(ThreadPoolQueueMean, 2),
        ["threadpool_queue_max"] = ThreadPoolQueueMax,
        ["threadpool_threads_max"] = ThreadPoolThreadsMax,
    };
}

/// <summary>
/// Records <see cref="RuntimeSample"/>s: <see cref="Start"/> opens a window, disposing the returned handle (or
/// calling <see cref="Window.Stop"/>) closes it. GC pauses come from the runtime's own events
/// (<c>GCSuspendEEBegin</c> to <c>GCRestartEEEnd</c>), so each pause is measured, not just their sum. With
/// <see cref="SampleAllocations"/> set before the first window, the runtime's allocation samples
/// (<c>GCAllocationTick</c>, one per about 100 KB allocated, naming the type that crossed the mark) attribute the
/// allocated bytes to types: the largest ones are in <see cref="RuntimeSample.AllocationsByType"/>.
/// </summary>
public sealed class RuntimeProbe : EventListener
{
    private const int GcStart = 1;       // GCStart_V2 (Depth: the generation collected)
    private const int SuspendBegin = 9;  // GCSuspendEEBegin_V1
    private const int SuspendEnd = 8;    // GCSuspendEEEnd_V1
    private const int RestartEnd = 3;    // GCRestartEEEnd_V1
    private const int AllocationTick = 10; // GCAllocationTick_V4
    private const int GcEnd = 2;         // GCEnd_V1
    private const int HeapStats = 4;     // GCHeapStats_V2 (TotalPromotedSize0/1: bytes promoted out of gen 0 and gen 1)
    private const int MarkWithType = 202; // GCMarkWithType (HeapNum, Type: the root kind, Bytes: marked from it)
    private const int TypesReported = 12;
    private readonly object _gate = new();
    private readonly List<Pause> _pauses = [];
    private readonly Dictionary<string, long> _allocations = new(StringComparer.Ordinal);
    private EventSource? _runtime;
    private DateTime _suspendedAt;
    private int _generation = -1;
    private long _promoted = -1;
    private DateTime _gcStartAt, _gcEndAt, _lastMarkAt;
    private readonly Dictionary<int, DateTime> _heapMarkedAt = [];
    private double[] _phases = [];
    private bool _recording;
    private bool _sampleAllocations;

    /// <summary>Attribute allocations to types (verbose GC events: a little overhead of their own).</summary>
    public bool SampleAllocations
    {
        get => _sampleAllocations;
        set
        {
            _sampleAllocations = value;
            if (_runtime is not null) Enable(_runtime);
        }
    }

    protected override void OnEventSourceCreated(EventSource source)
    {
        if (source.Name != "Microsoft-Windows-DotNETRuntime") return;
        _runtime = source;
        Enable(source);
    }

    private void Enable(EventSource source) =>
        EnableEvents(source, _sampleAllocations ? EventLevel.Verbose : EventLevel.Informational, (EventKeywords)0x1); // GC keyword

    /// <summary>
    /// The parts of a pause in <see cref="RuntimeSample.LongestPausePhases"/>: the mark phases are the runtime's
    /// <c>GCMarkWithType</c> root kinds (0 stack, 1 finalization queue, 2 handles, 3 older generations, i.e. the card
    /// table, 4 sized references, 5 mark-stack overflow, 6 dependent handles, 7 new finalization queue, 8 work
    /// stealing, 9 background collection).
    /// </summary>
    public static readonly string[] PhaseNames =
    [
        "suspend", "mark_stack", "mark_finalize_queue", "mark_handles", "mark_older_generations", "mark_sized_refs",
        "mark_overflow", "mark_dependent_handles", "mark_new_finalize_queue", "mark_steal", "mark_background",
        "after_mark", "restart",
    ];

    private const int Suspend = 0, MarkKinds = 10, AfterMark = MarkKinds + 1, Restart = MarkKinds + 2;

    protected override void OnEventWritten(EventWrittenEventArgs e)
    {
        if (e.EventId == AllocationTick)
        {
            if (e.Payload is { } payload && e.PayloadNames is { } names)
            {
                int typeAt = names.IndexOf("TypeName"), amountAt = names.IndexOf("AllocationAmount64");
                if (typeAt >= 0 && amountAt >= 0 && payload[typeAt] is string type && payload[amountAt] is ulong amount)
                    lock (_gate)
                        if (_recording) _allocations[type] = _allocations.GetValueOrDefault(type) + (long)amount;
            }
            return;
        }
        lock (_gate) OnCollectionEvent(e);
    }

    // Events of one pause, in the order the runtime writes them: SuspendEEBegin, SuspendEEEnd, GCStart, a
    // GCMarkWithType per heap and root kind as each finishes, GCEnd, GCHeapStats, RestartEEBegin, RestartEEEnd.
    private void OnCollectionEvent(EventWrittenEventArgs e)
    {
        if (e.EventId == SuspendBegin)
        {
            _suspendedAt = e.TimeStamp;
            _generation = -1;
            _promoted = -1;
            _gcStartAt = _gcEndAt = _lastMarkAt = default;
            _heapMarkedAt.Clear();
            _phases = new double[PhaseNames.Length];
            return;
        }
        if (_suspendedAt == default) return;
        var payload = e.Payload;
        var names = e.PayloadNames;
        switch (e.EventId)
        {
            case HeapStats when payload is not null && names is not null:
                int p0 = names.IndexOf("TotalPromotedSize0"), p1 = names.IndexOf("TotalPromotedSize1");
                if (p0 >= 0 && p1 >= 0) _promoted = Int(payload[p0]) + Int(payload[p1]);
                break;
            case SuspendEnd:
                _phases[Suspend] = (e.TimeStamp - _suspendedAt).TotalMilliseconds;
                break;
            case GcStart:
                _gcStartAt = e.TimeStamp;
                if (payload is not null && names?.IndexOf("Depth") is int depthAt and >= 0) _generation = (int)Int(payload[depthAt]);
                break;
            case MarkWithType when payload is not null && names is not null && _gcStartAt != default:
                int heapAt = names.IndexOf("HeapNum"), kindAt = names.IndexOf("Type");
                if (heapAt < 0 || kindAt < 0) break;
                int heap = (int)Int(payload[heapAt]), kind = (int)Int(payload[kindAt]);
                if (kind is < 0 or >= MarkKinds) break;
                var since = _heapMarkedAt.TryGetValue(heap, out var previous) ? previous : _gcStartAt;
                _phases[1 + kind] = Math.Max(_phases[1 + kind], (e.TimeStamp - since).TotalMilliseconds);
                _heapMarkedAt[heap] = e.TimeStamp;
                if (e.TimeStamp > _lastMarkAt) _lastMarkAt = e.TimeStamp;
                break;
            case GcEnd when _gcStartAt != default:
                _gcEndAt = e.TimeStamp;
                _phases[AfterMark] = (e.TimeStamp - (_lastMarkAt != default ? _lastMarkAt : _gcStartAt)).TotalMilliseconds;
                break;
            case RestartEnd:
                double ms = (e.TimeStamp - _suspendedAt).TotalMilliseconds;
                if (_gcEndAt != default) _phases[Restart] = (e.TimeStamp - _gcEndAt).TotalMilliseconds;
                _suspendedAt = default;
                if (_recording && ms >= 0) _pauses.Add(new Pause(ms, _generation, _promoted, _phases));
                break;
        }
    }

    private static long Int(object? value) => Convert.ToInt64(value, System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>
    /// One pause: all of it, the part spent bringing threads to a stop, the generation collected, the bytes promoted
    /// out of gen 0 and 1 (-1: not known) and its parts (<see cref="PhaseNames"/>).
    /// </summary>
    private readonly record struct Pause(double Ms, int Generation, long PromotedBytes, double[] Phases)
    {
        public double SuspendMs => Phases[Suspend];
    }

    /// <summary>Opens a measurement window (one at a time).</summary>
    public Window Start()
    {
        lock (_gate)
        {
            _pauses.Clear();
            _allocations.Clear();
            _recording = true;
        }
        return new Window(this);
    }

    /// <summary>One open window; <see cref="Stop"/> returns what happened in it.</summary>
    public sealed class Window : IDisposable
    {
        private readonly RuntimeProbe _probe;
        private readonly long _start = Stopwatch.GetTimestamp();
        private readonly long _allocated = GC.GetTotalAllocatedBytes(precise: false);
        private readonly int _gen0 = GC.CollectionCount(0), _gen1 = GC.CollectionCount(1), _gen2 = GC.CollectionCount(2);
        private readonly CancellationTokenSource _stop = new();
        private readonly Task<(double Mean, long Max, int Threads)> _sampler;
        private RuntimeSample? _sample;

        internal Window(RuntimeProbe probe)
        {
            _probe = probe;
            _sampler = SampleAsync(_stop.Token);
        }

        public RuntimeSample Stop()
        {
            if (_sample is not null) return _sample;
            _stop.Cancel();
            var (mean, max, threads) = _sampler.GetAwaiter().GetResult();
            double seconds = Stopwatch.GetElapsedTime(_start).TotalSeconds;
            Pause[] pauses;
            (string, long)[] types;
            lock (_probe._gate)
            {
                _probe._recording = false;
                pauses = [.. _probe._pauses];
                types = [.. _probe._allocations.OrderByDescending(a => a.Value).Take(TypesReported).Select(a => (a.Key, a.Value))];
            }
            var longest = pauses.Length == 0 ? default : pauses.MaxBy(p => p.Ms);
            _sample = new RuntimeSample(seconds, pauses.Length, pauses.Sum(p => p.Ms), longest.Ms, pauses.Count(p => p.Ms > 5),
                GC.CollectionCount(0) - _gen0, GC.CollectionCount(1) - _gen1, GC.CollectionCount(2) - _gen2,
                GC.GetTotalAllocatedBytes(precise: false) - _allocated, mean, max, threads, types,
                pauses.Length == 0 ? 0 : pauses.Max(p => p.SuspendMs), pauses.Length == 0 ? -1 : longest.Generation,
                pauses.Length == 0 ? -1 : longest.PromotedBytes,
                pauses.Length == 0 ? null : PhaseNames.Select((n, i) => (n, i)).ToDictionary(p => p.n, p => longest.Phases[p.i]));
            _stop.Dispose();
            return _sample;
        }

        public void Dispose() => Stop();

        private static async Task<(double, long, int)> SampleAsync(CancellationToken stop)
        {
            long sum = 0, max = 0;
            int samples = 0, threads = 0;
            using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(5));
            try
            {
                while (await timer.WaitForNextTickAsync(stop))
                {
                    long queued = ThreadPool.PendingWorkItemCount;
                    sum += queued;
                    max = Math.Max(max, queued);
                    threads = Math.Max(threads, ThreadPool.ThreadCount);
                    samples++;
                }
            }
            catch (OperationCanceledException)
            {
                // The window closed.
            }
            return (samples == 0 ? 0 : (double)sum / samples, max, threads);
        }
    }
}
