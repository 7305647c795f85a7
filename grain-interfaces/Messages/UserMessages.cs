namespace OrleansReco.GrainInterfaces;

/// <summary>
/// One user event as a producer sends it, and as a user grain gives its remembered events back
/// (<see cref="UserHistory.Events"/>). <paramref name="EventId"/> is the producer's id: a second event with the same id
/// is ignored (null: the event cannot be deduplicated). <paramref name="Timestamp"/> is unix seconds (UTC).
/// The grain-call contract among the event shapes; why each shape exists: docs/event-shapes.md.
/// </summary>
[GenerateSerializer, Immutable, Alias("reco.UserEvent")]
public sealed record UserEvent(
    [property: Id(0)] string? EventId,
    [property: Id(1)] string ItemId,
    [property: Id(2)] string EventType,
    [property: Id(3)] float Value,
    [property: Id(4)] long Timestamp)
{
    /// <summary>The event as read from a data file.</summary>
    public static UserEvent From(Core.Data.Interaction e) => new(e.EventId, e.ItemId, e.EventType, e.Value, e.Timestamp);
}

/// <summary>Answer to an event batch, sent only after the user's state was persisted.</summary>
[GenerateSerializer, Immutable, Alias("reco.EventAck")]
public sealed record EventAck(
    [property: Id(0)] int Accepted,
    [property: Id(1)] int Duplicates,
    [property: Id(2)] int HistoryLength,
    [property: Id(3)] string ModelVersion);

/// <summary>A user's embedding and the model version it was computed with.</summary>
[GenerateSerializer, Immutable, Alias("reco.UserEmbedding")]
public sealed record UserEmbedding(
    [property: Id(0)] float[] Vector,
    [property: Id(1)] string ModelVersion);

/// <summary>
/// A user as stored: profile, remembered events (oldest first, at most the history length), the number of events
/// ever accepted, and the model version of the cached embedding ("" when none is cached).
/// </summary>
[GenerateSerializer, Immutable, Alias("reco.UserHistory")]
public sealed record UserHistory(
    [property: Id(0)] Dictionary<string, string> Profile,
    [property: Id(1)] UserEvent[] Events,
    [property: Id(2)] long EventCount,
    [property: Id(3)] string ModelVersion);

/// <summary>What a recommendation needs from a user grain: embedding, seen items (newest last) and profile.</summary>
[GenerateSerializer, Immutable, Alias("reco.UserContext")]
public sealed record UserContext(
    [property: Id(0)] float[] Vector,
    [property: Id(1)] string ModelVersion,
    [property: Id(2)] string[] SeenItemIds,
    [property: Id(3)] Dictionary<string, string> Profile,
    [property: Id(4)] long EventCount);
