namespace OrleansReco.GrainInterfaces;

/// <summary>
/// One partition of a catalogue (key: shard index 0..S-1, key extension: catalogue name). Owns its items'
/// features, availability, metadata and embeddings, and the nearest-neighbour index over them.
/// </summary>
[Alias("reco.IItemShardGrain")]
public interface IItemShardGrain : IGrainWithIntegerCompoundKey
{
    /// <summary>Adds or replaces items, embedded with the current item tower; searchable when the call returns.</summary>
    [Alias("Upsert")]
    Task<UpsertResult> UpsertAsync(CatalogItem[] items);

    /// <summary>Removes items; returns how many were present.</summary>
    [Alias("Remove")]
    Task<int> RemoveAsync(string[] itemIds);

    /// <summary>
    /// The shard's best items for a query, filters applied inside the index walk, from the index of the query's model
    /// version: the current one, the one it replaced, or the one being built (then the search waits for it).
    /// Interleaves with other calls so that a search waiting for a build does not hold up the others; the search
    /// itself runs in one turn and only reads. <paramref name="cancellation"/> is cancelled by the caller when its
    /// fan-out deadline passes: a search still waiting (queued, or for a model or an index build) then stops.
    /// </summary>
    [Alias("Search"), Orleans.Concurrency.AlwaysInterleave]
    Task<ShardAnswer> SearchAsync(ShardQuery query, CancellationToken cancellation = default);

    /// <summary>Scores of the given items (all on this shard) against a user vector; null for unknown items.</summary>
    [Alias("Score")]
    Task<ItemScore[]> ScoreAsync(float[] vector, string[] itemIds);

    /// <summary>An item as stored, or null.</summary>
    [Alias("GetItem")]
    Task<CatalogItem?> GetItemAsync(string itemId);

    /// <summary>
    /// A page of the shard's items in item-id order (ordinal), optionally only those matching <paramref name="filter"/>,
    /// and how many match in all: the catalogue in bulk (training, browsing).
    /// </summary>
    [Alias("ListItems")]
    Task<ItemPage> ListItemsAsync(int offset, int count, FieldRule? filter = null);

    /// <summary>An item's embedding, or null when the item is unknown.</summary>
    [Alias("GetVector")]
    Task<float[]?> GetVectorAsync(string itemId);

    /// <summary>Size, memory and index kind of the shard.</summary>
    [Alias("GetStats")]
    Task<ShardStats> GetStatsAsync();
}
