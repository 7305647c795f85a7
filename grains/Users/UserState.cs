namespace OrleansReco.Grains.Users;

/// <summary>Persisted state of a user grain. Events are oldest first; both lists are bounded by <see cref="UserGrainOptions"/>.</summary>
[GenerateSerializer, Alias("reco.UserState")]
public sealed class UserState
{
    [Id(0)] public Dictionary<string, string> Profile { get; set; } = new(StringComparer.Ordinal);
    [Id(1)] public List<StoredEvent> Events { get; set; } = [];
    [Id(2)] public List<string> RecentEventIds { get; set; } = [];
    [Id(3)] public float[]? Embedding { get; set; }
    [Id(4)] public string? ModelVersion { get; set; }
    [Id(5)] public long EventCount { get; set; }
}

/// <summary>One remembered event; <see cref="EventId"/> is null for events stored before ids were kept here, or sent without one.</summary>
[GenerateSerializer, Alias("reco.StoredEvent")]
public sealed record StoredEvent(
    [property: Id(0)] string ItemId,
    [property: Id(1)] string EventType,
    [property: Id(2)] float Value,
    [property: Id(3)] long Timestamp,
    [property: Id(4)] string? EventId = null);
