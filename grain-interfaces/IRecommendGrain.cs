namespace OrleansReco.GrainInterfaces;

/// <summary>Answers queries against one catalogue (key: catalogue name) by asking every shard in parallel.</summary>
[Alias("reco.IRecommendGrain")]
public interface IRecommendGrain : IGrainWithStringKey
{
    /// <summary>Top-K items for a known (or new) user.</summary>
    [Alias("Recommend")]
    Task<Recommendations> RecommendAsync(string userId, RecommendQuery query);

    /// <summary>Top-K items for an anonymous user described by profile features and/or a few recent events.</summary>
    [Alias("RecommendForProfile")]
    Task<Recommendations> RecommendForProfileAsync(Dictionary<string, string>? profile, UserEvent[]? recentEvents, RecommendQuery query);

    /// <summary>The user-tower embedding of an anonymous user (profile features and/or recent events), the vector
    /// <see cref="RecommendForProfileAsync"/> searches with.</summary>
    [Alias("EncodeProfile")]
    Task<UserEmbedding> EncodeProfileAsync(Dictionary<string, string>? profile, UserEvent[]? recentEvents);

    /// <summary>Items whose embeddings are nearest to the given item's (the item itself excluded).</summary>
    [Alias("SimilarItems")]
    Task<Recommendations> SimilarItemsAsync(string itemId, RecommendQuery query);

    /// <summary>Scores of user–item pairs, in the order of <paramref name="itemIds"/>.</summary>
    [Alias("Score")]
    Task<ItemScore[]> ScoreAsync(string userId, string[] itemIds);
}
