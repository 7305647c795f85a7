namespace OrleansReco.GrainInterfaces;

/// <summary>Entry point for catalogue changes (key: catalogue name); routes each item to its shard.</summary>
[Alias("reco.ICatalogGrain")]
public interface ICatalogGrain : IGrainWithStringKey
{
    /// <summary>Adds or replaces items; each is searchable when the call returns, with no retraining.</summary>
    [Alias("Upsert")]
    Task<UpsertResult> UpsertItemsAsync(CatalogItem[] items);

    /// <summary>Removes items; they are never returned again. Returns how many were present.</summary>
    [Alias("Remove")]
    Task<int> RemoveItemsAsync(string[] itemIds);

    /// <summary>An item as stored, or null.</summary>
    [Alias("GetItem")]
    Task<CatalogItem?> GetItemAsync(string itemId);

    /// <summary>Statistics of every shard.</summary>
    [Alias("GetStats")]
    Task<ShardStats[]> GetStatsAsync();
}
