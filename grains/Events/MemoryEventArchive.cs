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
        List<ArchivedEvent> window;
        lock (_lock)
        {
            window = new List<ArchivedEvent>(_ring.Count);
            for (int k = 0; k < _ring.Count; k++)
            {
                var e = _ring[(_head + k) % _ring.Count];
                if (e.Timestamp >= fromTimestamp && e.Timestamp < toTimestamp) window.Add(e);
            }
        }
        foreach (var e in window.OrderBy(e => e.Timestamp))
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return e;
        }
        await Task.CompletedTask;
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
