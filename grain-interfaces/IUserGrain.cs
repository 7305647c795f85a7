namespace OrleansReco.GrainInterfaces;

/// <summary>One user (key: user id): profile, recent events, and the embedding computed from them.</summary>
[Alias("reco.IUserGrain")]
public interface IUserGrain : IGrainWithStringKey
{
    /// <summary>Records events (a repeated event id is a no-op), refreshes the embedding, persists, then acknowledges.
    /// With no model loaded the events are still saved (ack version ""); the embedding follows on the first query.
    /// The array is not copied for a call within one process (<c>[Immutable]</c>): the caller leaves it unchanged.</summary>
    [Alias("RecordEvents")]
    Task<EventAck> RecordEventsAsync([Immutable] UserEvent[] events);

    /// <summary>Replaces the profile features (by column name), refreshes the embedding and persists. With no model loaded
    /// the profile is still saved and the embedding returned is empty (version ""). The grain keeps a copy; the dictionary
    /// passed is not copied for a call within one process (<c>[Immutable]</c>), so the caller leaves it unchanged.</summary>
    [Alias("SetProfile")]
    Task<UserEmbedding> SetProfileAsync([Immutable] Dictionary<string, string> profile);

    /// <summary>The current embedding, recomputed first when the model version moved.</summary>
    [Alias("GetEmbedding")]
    Task<UserEmbedding> GetEmbeddingAsync();

    /// <summary>Embedding, seen items and profile, as a recommendation needs them.</summary>
    [Alias("GetContext")]
    Task<UserContext> GetContextAsync();

    /// <summary>Profile, remembered events (oldest first), event count and the version of the cached embedding; needs no model.</summary>
    [Alias("GetHistory")]
    Task<UserHistory> GetHistoryAsync();
}
