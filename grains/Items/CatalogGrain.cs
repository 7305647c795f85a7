using Microsoft.Extensions.Options;
using Orleans.Concurrency;
using OrleansReco.GrainInterfaces;

namespace OrleansReco.Grains.Items;

/// <summary>Routes catalogue changes to the shards (stateless: one local worker per silo and catalogue).</summary>
[StatelessWorker]
public sealed class CatalogGrain(IOptions<ItemShardOptions> options) : Grain, ICatalogGrain
{
    private string Catalog => this.GetPrimaryKeyString();

    public async Task<UpsertResult> UpsertItemsAsync(CatalogItem[] items)
    {
        ArgumentNullException.ThrowIfNull(items);
        foreach (var item in items)
            if (string.IsNullOrWhiteSpace(item?.ItemId)) throw new ArgumentException($"Catalogue '{Catalog}': an item has no id.", nameof(items));
        var results = await Task.WhenAll(ByShard(items, i => i.ItemId)
            .Select(g => GrainFactory.Shard(Catalog, g.Key).UpsertAsync(g.ToArray())));
        return results.Aggregate(new UpsertResult(0, 0, 0), (a, b) => a + b);
    }

    public async Task<int> RemoveItemsAsync(string[] itemIds)
    {
        ArgumentNullException.ThrowIfNull(itemIds);
        var removed = await Task.WhenAll(ByShard(itemIds.Where(id => !string.IsNullOrEmpty(id)), id => id)
            .Select(g => GrainFactory.Shard(Catalog, g.Key).RemoveAsync(g.ToArray())));
        return removed.Sum();
    }

    public Task<CatalogItem?> GetItemAsync(string itemId) =>
        GrainFactory.Shard(Catalog, ItemSharding.ShardOf(itemId, options.Value.Count)).GetItemAsync(itemId);

    /// <summary>Asks every shard for its first offset + count matches and merges them by id.</summary>
    public async Task<ItemPage> ListItemsAsync(int offset, int count, FieldRule? filter = null)
    {
        if (offset < 0 || count < 0 || (long)offset + count > ItemShardGrain.MaxPage)
            throw new ArgumentException($"offset + limit must be from 0 to {ItemShardGrain.MaxPage}, not {(long)offset + count}.", nameof(offset));
        int wanted = offset + count;
        var pages = await Task.WhenAll(Enumerable.Range(0, options.Value.Count)
            .Select(s => GrainFactory.Shard(Catalog, s).ListItemsAsync(0, wanted, filter)));
        var items = pages.SelectMany(p => p.Items).OrderBy(i => i.ItemId, StringComparer.Ordinal).Skip(offset).Take(count).ToArray();
        return new ItemPage(items, pages.Sum(p => p.Total));
    }

    public Task<ShardStats[]> GetStatsAsync() =>
        Task.WhenAll(Enumerable.Range(0, options.Value.Count).Select(s => GrainFactory.Shard(Catalog, s).GetStatsAsync()));

    private IEnumerable<IGrouping<int, T>> ByShard<T>(IEnumerable<T> values, Func<T, string> idOf)
    {
        int shards = options.Value.Count;
        return values.GroupBy(v => ItemSharding.ShardOf(idOf(v), shards));
    }
}
