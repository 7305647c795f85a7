using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OrleansReco.GrainInterfaces;
using OrleansReco.Grains.Model;
using OrleansReco.Grains.Placement;
using OrleansReco.Grains.Telemetry;

namespace OrleansReco.Grains.Items;

/// <summary>
/// One shard of a catalogue (key: shard index, extension: catalogue). Items are embedded by the current item tower
/// when upserted and are searchable when the call returns; the index is rebuilt from the stored items on activation
/// and whenever the silo's model version moves.
/// </summary>
[ServingSilosOnly]
public sealed partial class ItemShardGrain(
    [PersistentState("shard", StorageNames.Shards)] IPersistentState<ItemShardState> state,
    IModelProvider models,
    IOptions<ItemShardOptions> options,
    RecoMetrics metrics,
    ILogger<ItemShardGrain> logger) : Grain, IItemShardGrain
{
    private ShardIndex? _index;

    private int Shard => (int)this.GetPrimaryKeyLong(out _);
    private string Catalog { get { this.GetPrimaryKeyLong(out var catalog); return catalog ?? ItemSharding.DefaultCatalog; } }

    public async Task<UpsertResult> UpsertAsync(CatalogItem[] items)
    {
        ArgumentNullException.ThrowIfNull(items);
        int shards = options.Value.Count, shard = Shard;
        foreach (var item in items)
        {
            if (string.IsNullOrWhiteSpace(item?.ItemId)) throw new ArgumentException($"Shard {Catalog}/{shard}: an item has no id.");
            if (ItemSharding.ShardOf(item.ItemId, shards) != shard)
                throw new ArgumentException($"Item '{item.ItemId}' belongs to shard {ItemSharding.ShardOf(item.ItemId, shards)}, not {shard}.");
        }
        var index = Index();
        int added = 0, updated = 0, rejected = 0;
        foreach (var item in items)
        {
            var stored = StoredItem.From(item);
            if (!index.TryUpsert(item.ItemId, stored, out bool isNew)) { rejected++; continue; }
            state.State.Items[item.ItemId] = stored;
            if (isNew) added++; else updated++;
        }
        if (rejected > 0) LogShardFull(Catalog, shard, rejected, options.Value.MaxItemsPerShard);
        if (index.Maintain() is { } built) IndexBuilt(index, built);
        if (added + updated > 0) await PersistAsync();
        Report(index);
        return new UpsertResult(added, updated, rejected);
    }

    public async Task<int> RemoveAsync(string[] itemIds)
    {
        ArgumentNullException.ThrowIfNull(itemIds);
        var index = Index();
        int removed = 0;
        foreach (var id in itemIds)
        {
            if (id is null || !index.Remove(id)) continue;
            state.State.Items.Remove(id);
            removed++;
        }
        if (index.Maintain() is { } built) IndexBuilt(index, built);
        if (removed > 0) await PersistAsync();
        Report(index);
        return removed;
    }

    public async Task<ShardAnswer> SearchAsync(ShardQuery query)
    {
        ArgumentNullException.ThrowIfNull(query);
        if (options.Value.SimulatedSearchDelay.TryGetValue($"{Catalog}/{Shard}", out var delay) && delay > TimeSpan.Zero)
            await Task.Delay(delay);
        var index = Index();
        return new ShardAnswer(Shard, index.Search(query), index.ModelVersion);
    }

    public Task<ItemScore[]> ScoreAsync(float[] vector, string[] itemIds)
    {
        ArgumentNullException.ThrowIfNull(vector);
        ArgumentNullException.ThrowIfNull(itemIds);
        var index = Index();
        var scores = new ItemScore[itemIds.Length];
        for (int i = 0; i < itemIds.Length; i++) scores[i] = new ItemScore(itemIds[i], index.Score(vector, itemIds[i]));
        return Task.FromResult(scores);
    }

    public Task<CatalogItem?> GetItemAsync(string itemId) =>
        Task.FromResult(state.State.Items.TryGetValue(itemId, out var item) ? item.ToItem(itemId) : null);

    public Task<float[]?> GetVectorAsync(string itemId) => Task.FromResult(Index().Vector(itemId));

    public Task<ShardStats> GetStatsAsync()
    {
        var index = Index();
        Report(index);
        return Task.FromResult(new ShardStats(Shard, index.Count, index.MemoryBytes, index.Kind, index.ModelVersion));
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        metrics.ShardGone(Catalog, Shard);
        _index?.Dispose();
        _index = null;
        return Task.CompletedTask;
    }

    /// <summary>The index for the silo's current model, (re)built from the stored items when missing or stale.</summary>
    private ShardIndex Index()
    {
        var model = models.Current;
        if (_index is not null && string.Equals(_index.ModelVersion, model.Version, StringComparison.Ordinal)) return _index;
        var previous = _index?.ModelVersion;
        _index?.Dispose();
        _index = ShardIndex.Build(model, options.Value, state.State.Items, out var elapsed);
        LogIndexBuilt(Catalog, Shard, _index.Count, _index.Kind, model.Version, previous ?? "(none)", elapsed.TotalMilliseconds);
        IndexBuilt(_index, elapsed);
        return _index;
    }

    private void IndexBuilt(ShardIndex index, TimeSpan elapsed)
    {
        metrics.IndexBuilt(index.Kind, index.Count, elapsed.TotalMilliseconds);
        Report(index);
    }

    private void Report(ShardIndex index) => metrics.ShardSize(Catalog, Shard, index.Count, index.MemoryBytes);

    private async Task PersistAsync()
    {
        try
        {
            await state.WriteStateAsync();
        }
        catch (Exception e)
        {
            // Memory is ahead of storage: drop this activation so the next call rebuilds from what was stored.
            LogPersistFailed(e, Catalog, Shard);
            DeactivateOnIdle();
            throw new RecoStorageException($"Shard {Catalog}/{Shard}: state could not be saved: {e.Message}", e);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Shard {Catalog}/{Shard}: built {Kind} index of {Count} items for model {Version} (was {Previous}) in {Milliseconds:F1} ms")]
    private partial void LogIndexBuilt(string catalog, int shard, int count, string kind, string version, string previous, double milliseconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Shard {Catalog}/{Shard}: rejected {Rejected} new items, the shard holds its maximum of {Max}")]
    private partial void LogShardFull(string catalog, int shard, int rejected, int max);

    [LoggerMessage(Level = LogLevel.Error, Message = "Shard {Catalog}/{Shard}: state could not be saved; the activation reloads")]
    private partial void LogPersistFailed(Exception error, string catalog, int shard);
}
