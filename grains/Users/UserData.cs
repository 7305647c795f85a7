namespace OrleansReco.Grains.Users;

/// <summary>
/// One remembered event of a user, held by value in the user's event list: the stored layout (why it is not a
/// <c>UserEvent</c>: docs/event-shapes.md).
/// </summary>
public readonly record struct EventRecord(string ItemId, string EventType, float Value, long Timestamp, string? EventId);

/// <summary>
/// A user as held in memory and written in snapshots: profile, the last events (oldest first, in one list of structs),
/// the window of recent event ids (64-bit hashes), the number of events ever accepted and the cached embedding.
/// Bounded by <see cref="UserGrainOptions"/> through <see cref="Trim"/>.
/// </summary>
public sealed class UserData
{
    public Dictionary<string, string> Profile { get; set; } = new(StringComparer.Ordinal);
    public List<EventRecord> Events { get; } = [];
    public EventIdWindow EventIds { get; } = new();
    public long EventCount { get; set; }
    public float[]? Embedding { get; set; }
    public string? ModelVersion { get; set; }

    /// <summary>The outbox: accepted (stored) events the event archive has not confirmed yet, oldest first.</summary>
    public List<EventRecord> Outbox { get; } = [];

    /// <summary>The store version up to which every accepted event is in the archive, apart from <see cref="Outbox"/>.</summary>
    public long ArchivedThrough { get; set; }

    /// <summary>
    /// Adds one event unless its id is remembered (then false): inserted by timestamp (stable: equal timestamps keep
    /// arrival order, so late events land in place) and counted. A reload replays stored batches through the same
    /// method, so it rebuilds the same state.
    /// </summary>
    public bool Add(in EventRecord e)
    {
        if (e.EventId is { } id && !EventIds.Add(id)) return false;
        int i = Events.Count;
        while (i > 0 && Events[i - 1].Timestamp > e.Timestamp) i--;
        Events.Insert(i, e);
        EventCount++;
        return true;
    }

    /// <summary>Drops the oldest events and event ids beyond the configured bounds.</summary>
    public void Trim(UserGrainOptions options)
    {
        if (Events.Count > options.HistoryLength) Events.RemoveRange(0, Events.Count - options.HistoryLength);
        EventIds.Trim(options.EventIdWindow);
    }
}
