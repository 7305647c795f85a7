using System.Runtime.CompilerServices;
using OrleansReco.GrainInterfaces;

namespace OrleansReco.Grains.Events;

/// <summary>
/// The archive in this process's memory (the embedded default): events kept sorted by timestamp, at most
/// <see cref="Capacity"/> of them, the oldest dropped first so memory stays bounded. Thread-safe.
/// </summary>
public sealed class MemoryEventArchive(int capacity = MemoryEventArchive.DefaultCapacity) : IEventArchive
{
    public const int DefaultCapacity = 1_000_000;

    private readonly List<ArchivedEvent> _events = [];
    private readonly Lock _lock = new();

    public int Capacity { get; } = capacity > 0 ? capacity : throw new ArgumentOutOfRangeException(nameof(capacity), capacity, "Capacity must be positive.");

    public long Count { get { lock (_lock) return _events.Count; } }

    public ValueTask AppendAsync(string userId, IReadOnlyList<UserEvent> events, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(userId);
        ArgumentNullException.ThrowIfNull(events);
        lock (_lock)
        {
            foreach (var e in events)
                _events.Insert(UpperBound(e.Timestamp), ArchivedEvent.From(userId, e));
            if (_events.Count > Capacity) _events.RemoveRange(0, _events.Count - Capacity);
        }
        return ValueTask.CompletedTask;
    }

    public async IAsyncEnumerable<ArchivedEvent> ReadAsync(
        long fromTimestamp, long toTimestamp, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArchivedEvent[] slice;
        lock (_lock)
        {
            int start = LowerBound(fromTimestamp), end = LowerBound(toTimestamp);
            slice = end > start ? _events.GetRange(start, end - start).ToArray() : [];
        }
        foreach (var e in slice)
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return e;
        }
        await Task.CompletedTask;
    }

    /// <summary>First index whose timestamp is &gt;= <paramref name="timestamp"/>.</summary>
    private int LowerBound(long timestamp)
    {
        int lo = 0, hi = _events.Count;
        while (lo < hi)
        {
            int mid = (lo + hi) >>> 1;
            if (_events[mid].Timestamp < timestamp) lo = mid + 1; else hi = mid;
        }
        return lo;
    }

    /// <summary>First index whose timestamp is &gt; <paramref name="timestamp"/> (events of equal time stay in arrival order).</summary>
    private int UpperBound(long timestamp)
    {
        int lo = 0, hi = _events.Count;
        while (lo < hi)
        {
            int mid = (lo + hi) >>> 1;
            if (_events[mid].Timestamp <= timestamp) lo = mid + 1; else hi = mid;
        }
        return lo;
    }
}
