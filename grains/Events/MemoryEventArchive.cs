using System.Runtime.CompilerServices;
using OrleansReco.GrainInterfaces;

namespace OrleansReco.Grains.Events;

/// <summary>
/// The archive in this process's memory (the embedded default): at most <see cref="Capacity"/> events, the
/// earliest appended dropped first so memory stays bounded; reads return a time window in time order. Thread-safe.
/// </summary>
public sealed class MemoryEventArchive(int capacity = MemoryEventArchive.DefaultCapacity) : IEventArchive
{
    public const int DefaultCapacity = 1_000_000;

    // A ring in arrival order: appending is O(1) and, once full, overwrites the earliest-appended event. Reads (the
    // trainer's, rare) sort their window by time, stably, so events with equal timestamps keep their arrival order.
    private readonly List<ArchivedEvent> _ring = [];
    private int _head;
    private readonly Lock _lock = new();
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, ArchivedProfile> _profiles = new(StringComparer.Ordinal);

    public int Capacity { get; } = capacity > 0 ? capacity : throw new ArgumentOutOfRangeException(nameof(capacity), capacity, "Capacity must be positive.");

    public long Count { get { lock (_lock) return _ring.Count; } }

    public ValueTask AppendAsync(string userId, IReadOnlyList<UserEvent> events, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(userId);
        ArgumentNullException.ThrowIfNull(events);
        lock (_lock)
        {
            foreach (var e in events)
            {
                var archived = ArchivedEvent.From(userId, e);
                if (_ring.Count < Capacity)
                {
                    _ring.Add(archived);
                    continue;
                }
                _ring[_head] = archived;
                _head = (_head + 1) % Capacity;
            }
        }
        return ValueTask.CompletedTask;
    }

    public async IAsyncEnumerable<ArchivedEvent> ReadAsync(
        long fromTimestamp, long toTimestamp, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        // A snapshot of the window, then a sort of plain keys (times and positions, no references), not of the events:
        // a trainer reads a million events from here while the silo serves, and what it leaves behind should be cheap
        // for the collector. The snapshot is filled element by element, never block-copied: a block copy of references
        // marks every card of the destination, which the next gen-0 collection then scans (see Interaction.FieldByField).
        ArchivedEvent[] window;
        int n = 0;
        lock (_lock)
        {
            window = new ArchivedEvent[_ring.Count];
            for (int k = 0; k < _ring.Count; k++)
            {
                var e = _ring[(_head + k) % _ring.Count];
                if (e.Timestamp >= fromTimestamp && e.Timestamp < toTimestamp) window[n++] = e;
            }
        }
        int[] order = TimeOrder(window.AsSpan(0, n));
        for (int i = 0; i < n; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return window[order[i]];
        }
        await Task.CompletedTask;
    }

    /// <summary>Positions of <paramref name="events"/> in time order, equal times in their arrival order (a stable sort).</summary>
    internal static int[] TimeOrder(ReadOnlySpan<ArchivedEvent> events)
    {
        var order = new int[events.Length];
        var times = new long[events.Length];
        bool sorted = true;
        for (int i = 0; i < events.Length; i++)
        {
            order[i] = i;
            times[i] = events[i].Timestamp;
            if (i > 0 && times[i] < times[i - 1]) sorted = false;
        }
        if (sorted) return order; // events usually arrive in time order
        Array.Sort(times, order);
        // Array.Sort is not stable: put each run of equal times back in arrival order.
        for (int start = 0; start < times.Length;)
        {
            int end = start + 1;
            while (end < times.Length && times[end] == times[start]) end++;
            if (end - start > 1) Array.Sort(order, start, end - start);
            start = end;
        }
        return order;
    }

    public ValueTask SaveProfileAsync(string userId, IReadOnlyDictionary<string, string> features, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(userId);
        ArgumentNullException.ThrowIfNull(features);
        _profiles[userId] = new ArchivedProfile(userId, new Dictionary<string, string>(features, StringComparer.Ordinal));
        return ValueTask.CompletedTask;
    }

    public async IAsyncEnumerable<ArchivedProfile> ReadProfilesAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        foreach (var profile in _profiles.Values)
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return profile;
        }
        await Task.CompletedTask;
    }
}
