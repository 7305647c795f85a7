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

    /// <summary>
    /// A page of the whole catalogue in item-id order (ordinal), optionally only items matching <paramref name="filter"/>,
    /// and how many match in all. Offset + count may not exceed the shards' page limit (10,000).
    /// </summary>
    [Alias("ListItems")]
    Task<ItemPage> ListItemsAsync(int offset, int count, FieldRule? filter = null);

    /// <summary>Statistics of every shard.</summary>
    [Alias("GetStats")]
    Task<ShardStats[]> GetStatsAsync();
}
