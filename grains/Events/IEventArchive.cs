using OrleansReco.GrainInterfaces;

namespace OrleansReco.Grains.Events;

/// <summary>One accepted user event as the archive keeps it, with its user (the event shapes: docs/event-shapes.md).</summary>
public sealed record ArchivedEvent(string UserId, string? EventId, string ItemId, string EventType, float Value, long Timestamp)
{
    public static ArchivedEvent From(string userId, UserEvent e) => new(userId, e.EventId, e.ItemId, e.EventType, e.Value, e.Timestamp);
}

/// <summary>A user's profile features as last set (column name → value).</summary>
public sealed record ArchivedProfile(string UserId, IReadOnlyDictionary<string, string> Features);

/// <summary>
/// Every accepted user event, for training, and the latest profile of every user (the user catalogue in bulk). User grains append after the event is persisted; readers get events in
/// time order (by event timestamp, then arrival).
/// </summary>
public interface IEventArchive
{
    /// <summary>Appends events a user grain accepted (duplicates already removed).</summary>
    ValueTask AppendAsync(string userId, IReadOnlyList<UserEvent> events, CancellationToken cancellationToken = default);

    /// <summary>Events with <paramref name="fromTimestamp"/> &lt;= timestamp &lt; <paramref name="toTimestamp"/>, oldest first.</summary>
    IAsyncEnumerable<ArchivedEvent> ReadAsync(long fromTimestamp, long toTimestamp, CancellationToken cancellationToken = default);

    /// <summary>Records a user's profile as just persisted by the user grain (replaces the earlier one).</summary>
    ValueTask SaveProfileAsync(string userId, IReadOnlyDictionary<string, string> features, CancellationToken cancellationToken = default);

    /// <summary>The latest profile of every user that has one, in no particular order.</summary>
    IAsyncEnumerable<ArchivedProfile> ReadProfilesAsync(CancellationToken cancellationToken = default);

    /// <summary>Events held.</summary>
    long Count { get; }
}
