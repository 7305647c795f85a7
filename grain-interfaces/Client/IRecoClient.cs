namespace OrleansReco.GrainInterfaces.Client;

/// <summary>
/// What a .NET producer or front end needs, without HTTP: send events, keep the catalogue, ask for
/// recommendations. Works over any <see cref="IGrainFactory"/> (an Orleans client or a co-hosted silo).
/// </summary>
public interface IRecoClient
{
    /// <summary>The catalogue this client reads and writes.</summary>
    string Catalog { get; }

    /// <summary>Records a user's events; returns once they are persisted (repeated event ids are ignored).</summary>
    Task<EventAck> SendEventsAsync(string userId, params UserEvent[] events);

    /// <summary>Sets a user's profile features (by column name).</summary>
    Task<UserEmbedding> SetProfileAsync(string userId, Dictionary<string, string> profile);

    /// <summary>Top-K items for a user.</summary>
    Task<Recommendations> RecommendAsync(string userId, RecommendQuery? query = null);

    /// <summary>Top-K items for an anonymous user from profile features and/or recent events.</summary>
    Task<Recommendations> RecommendForProfileAsync(Dictionary<string, string>? profile, UserEvent[]? recentEvents, RecommendQuery? query = null);

    /// <summary>Items similar to an item.</summary>
    Task<Recommendations> SimilarItemsAsync(string itemId, RecommendQuery? query = null);

    /// <summary>Scores of user–item pairs.</summary>
    Task<ItemScore[]> ScoreAsync(string userId, params string[] itemIds);

    /// <summary>Adds or replaces catalogue items (searchable when the call returns).</summary>
    Task<UpsertResult> UpsertItemsAsync(params CatalogItem[] items);

    /// <summary>Removes catalogue items.</summary>
    Task<int> RemoveItemsAsync(params string[] itemIds);
}
