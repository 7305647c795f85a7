namespace OrleansReco.Grains.Users;

/// <summary>
/// A user as the previous storage layout kept it: the whole state in one Orleans grain-storage record, rewritten on
/// every accepted batch. Read only to move a user to <see cref="IUserStore"/> (see <see cref="Storage.PreviousLayout"/>).
/// </summary>
[GenerateSerializer, Alias("reco.UserState")]
public sealed class UserState
{
    [Id(0)] public Dictionary<string, string> Profile { get; set; } = new(StringComparer.Ordinal);
    [Id(1)] public List<StoredEvent> Events { get; set; } = [];
    [Id(2)] public List<string> RecentEventIds { get; set; } = [];
    [Id(3)] public float[]? Embedding { get; set; }
    [Id(4)] public string? ModelVersion { get; set; }
    [Id(5)] public long EventCount { get; set; }

    /// <summary>The same user in the current in-memory form (event ids become their hashes, in the same order).</summary>
    public UserData ToUserData()
    {
        var user = new UserData
        {
            Profile = new Dictionary<string, string>(Profile, StringComparer.Ordinal),
            EventCount = EventCount,
            Embedding = Embedding,
            ModelVersion = Embedding is null ? null : ModelVersion,
        };
        foreach (var e in Events) user.Events.Add(new EventRecord(e.ItemId, e.EventType, e.Value, e.Timestamp, e.EventId));
        foreach (var id in RecentEventIds) user.EventIds.Add(id);
        return user;
    }
}

/// <summary>
/// One remembered event of the previous layout; <see cref="EventId"/> is null for events sent without one. Kept to
/// read old records (docs/event-shapes.md).
/// </summary>
[GenerateSerializer, Alias("reco.StoredEvent")]
public sealed record StoredEvent(
    [property: Id(0)] string ItemId,
    [property: Id(1)] string EventType,
    [property: Id(2)] float Value,
    [property: Id(3)] long Timestamp,
    [property: Id(4)] string? EventId = null);
