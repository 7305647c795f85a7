using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OrleansReco.Core.Runtime;
using OrleansReco.GrainInterfaces;
using OrleansReco.Grains.Model;
using OrleansReco.Grains.Placement;
using OrleansReco.Grains.Storage;
using OrleansReco.Grains.Telemetry;

namespace OrleansReco.Grains.Items;

/// <summary>
/// One shard of a catalogue (key: shard index, extension: catalogue). Items are embedded by the current item tower
/// when upserted and are searchable when the call returns. The index is built from the stored items on activation.
/// When the silo's model changes, the shard re-embeds a snapshot of its items and builds the new index on threads of
/// lowered priority (<see cref="ItemShardOptions.RebuildNice"/>), replays the changes made meanwhile, and swaps it in
/// within one turn; until then queries use the old index (see <see cref="ShardIndexes"/>).
/// </summary>
[ServingSilosOnly]
[ShardSpreadPlacement]
public sealed partial class ItemShardGrain(
    IItemShardStore store,
    PreviousLayout previous,
    IModelProvider models,
    IOptions<ItemShardOptions> options,
    RecoMetrics metrics,
    ILogger<ItemShardGrain> logger) : Grain, IItemShardGrain
{
    /// <summary>Longest a search waits for its silo to load the query's (newer) model.</summary>
    private static readonly TimeSpan ModelCatchUp = TimeSpan.FromSeconds(5);

    private readonly Dictionary<string, StoredItem> _items = new(StringComparer.Ordinal);
    private ShardIndexes? _indexes;
    private string[]? _idOrder;
    private TaskScheduler? _scheduler;
    private string _storeKey = "";
    private TimeSpan _simulatedDelay;

    private int Shard => (int)this.GetPrimaryKeyLong(out _);
    private string Catalog { get { this.GetPrimaryKeyLong(out var catalog); return catalog ?? ItemSharding.DefaultCatalog; } }

    /// <summary>The shard's key in its store: <c>catalogue/index</c> (set on activation).</summary>
    private string StoreKey => _storeKey;

    private ShardIndexes Indexes => _indexes ??= new ShardIndexes(_items);

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
        if (!models.IsLoaded) return await StoreUnindexedAsync(items);
        var index = Index();
        int added = 0, updated = 0, rejected = 0, missingFeatures = 0;
        var changed = new List<KeyValuePair<string, StoredItem>>(items.Length);
        foreach (var item in items)
        {
            var stored = StoredItem.From(item);
            if (!index.TryUpsert(item.ItemId, stored, out bool isNew)) { rejected++; continue; }
            if (index.LacksFeatures(stored)) missingFeatures++;
            _items[item.ItemId] = stored;
            changed.Add(new(item.ItemId, stored));
            _idOrder = null;
            Indexes.Upserted(item.ItemId, stored);
            if (isNew) added++; else updated++;
        }
        if (rejected > 0) LogShardFull(Catalog, shard, rejected, options.Value.MaxItemsPerShard);
        metrics.ItemsMissingFeatures(Catalog, missingFeatures);
        if (index.Maintain() is { } built) IndexBuilt(index, built);
        if (changed.Count > 0) await PersistAsync(() => store.UpsertAsync(StoreKey, changed));
        Report(index);
        return new UpsertResult(added, updated, rejected);
    }

    /// <summary>
    /// With no model on the silo yet (a new cluster waiting for its first training), items are stored as they are;
    /// the first call after a model arrives embeds them all and builds the index.
    /// </summary>
    private async Task<UpsertResult> StoreUnindexedAsync(CatalogItem[] items)
    {
        int added = 0, updated = 0, rejected = 0;
        var changed = new List<KeyValuePair<string, StoredItem>>(items.Length);
        foreach (var item in items)
        {
            bool isNew = !_items.ContainsKey(item.ItemId);
            if (isNew && _items.Count >= options.Value.MaxItemsPerShard) { rejected++; continue; }
            var stored = StoredItem.From(item);
            _items[item.ItemId] = stored;
            changed.Add(new(item.ItemId, stored));
            _idOrder = null;
            if (isNew) added++; else updated++;
        }
        if (rejected > 0) LogShardFull(Catalog, Shard, rejected, options.Value.MaxItemsPerShard);
        if (changed.Count > 0) await PersistAsync(() => store.UpsertAsync(StoreKey, changed));
        return new UpsertResult(added, updated, rejected);
    }

    public async Task<int> RemoveAsync(string[] itemIds)
    {
        ArgumentNullException.ThrowIfNull(itemIds);
        if (!models.IsLoaded && Indexes.Current is null)
        {
            var gone = itemIds.Where(id => id is not null && _items.Remove(id)).ToList();
            _idOrder = null;
            if (gone.Count > 0) await PersistAsync(() => store.RemoveAsync(StoreKey, gone));
            return gone.Count;
        }
        var index = Index();
        var removed = new List<string>();
        foreach (var id in itemIds)
        {
            if (id is null || !index.Remove(id)) continue;
            _items.Remove(id);
            removed.Add(id);
            _idOrder = null;
            Indexes.Removed(id);
        }
        if (index.Maintain() is { } built) IndexBuilt(index, built);
        if (removed.Count > 0) await PersistAsync(() => store.RemoveAsync(StoreKey, removed));
        Report(index);
        return removed.Count;
    }

    public async Task<ShardAnswer> SearchAsync(ShardQuery query, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        try
        {
            return await SearchCoreAsync(query, cancellation);
        }
        catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
        {
            metrics.ShardSearchCancelled(Catalog, Shard);
            throw;
        }
    }

    private async Task<ShardAnswer> SearchCoreAsync(ShardQuery query, CancellationToken cancellation)
    {
        if (_simulatedDelay > TimeSpan.Zero) await Task.Delay(_simulatedDelay, cancellation);
        var index = Index();
        string? wanted = query.ModelVersion;
        if (wanted is not null && !string.Equals(wanted, index.ModelVersion, StringComparison.Ordinal))
        {
            if (Indexes.For(wanted) is { } matching) index = matching;
            else
            {
                // The query's model is newer than this index: wait for the rebuild under way, or first for this silo
                // to load that model (a publication reaches the silos one by one). The fan-out deadline bounds it.
                if (Indexes.Building(wanted) is null && await models.WaitForVersionAsync(wanted, ModelCatchUp).WaitAsync(cancellation))
                    CatchUp(models.Current);
                if (Indexes.Building(wanted) is { } building) await building.WaitAsync(cancellation);
                index = Index();
            }
        }
        cancellation.ThrowIfCancellationRequested();
        // Everything below runs in this turn, so the answer comes from one index and one model version.
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
        Task.FromResult(_items.TryGetValue(itemId, out var item) ? item.ToItem(itemId) : null);

    public Task<ItemPage> ListItemsAsync(int offset, int count, FieldRule? filter = null)
    {
        if (offset < 0) throw new ArgumentOutOfRangeException(nameof(offset), offset, "The offset must not be negative.");
        if (count is < 0 or > MaxPage) throw new ArgumentOutOfRangeException(nameof(count), count, $"A page holds 0 to {MaxPage} items.");
        // Item ids in order, sorted once per change of the catalogue rather than once per page.
        var ordered = _idOrder ??= _items.Keys.Order(StringComparer.Ordinal).ToArray();
        var constraint = filter?.ToConstraint();
        IReadOnlyList<string> matching = constraint is null
            ? ordered
            : ordered.Where(id => constraint.Allows(_items[id].Get(constraint.Field))).ToList();
        var page = matching.Skip(offset).Take(count).Select(id => _items[id].ToItem(id)).ToArray();
        return Task.FromResult(new ItemPage(page, matching.Count));
    }

    /// <summary>Most items one <see cref="ListItemsAsync"/> page holds.</summary>
    public const int MaxPage = 10_000;

    public Task<float[]?> GetVectorAsync(string itemId) => Task.FromResult(Index().Vector(itemId));

    public Task<ShardStats> GetStatsAsync()
    {
        if (!models.IsLoaded && Indexes.Current is null)
            return Task.FromResult(new ShardStats(Shard, _items.Count, 0, "none", ""));
        var index = Index();
        Report(index);
        return Task.FromResult(new ShardStats(Shard, index.Count, index.MemoryBytes, index.Kind, index.ModelVersion));
    }

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _storeKey = $"{Catalog}/{Shard}";
        _simulatedDelay = options.Value.SimulatedSearchDelay.GetValueOrDefault(_storeKey);
        try
        {
            await store.LoadAsync(StoreKey, _items);
            if (_items.Count == 0) await MigrateAsync();
        }
        catch (Exception e)
        {
            LogLoadFailed(e, Catalog, Shard);
            throw new RecoStorageException($"Shard {Catalog}/{Shard}: state could not be read: {e.Message}", e);
        }
        _scheduler = TaskScheduler.Current;
        models.Changed += OnModelChanged;
    }

    /// <summary>Moves a shard stored by the previous layout (one record holding every item) into the store, then clears the record.</summary>
    private async Task MigrateAsync()
    {
        var old = await previous.ReadAsync<ItemShardState>(StorageNames.Shards, "shard", this.GetGrainId());
        if (old is null) return;
        var items = old.State.Items.ToList();
        for (int i = 0; i < items.Count; i += MigrationBatch)
            await store.UpsertAsync(StoreKey, items.GetRange(i, Math.Min(MigrationBatch, items.Count - i)));
        await old.ClearAsync();
        foreach (var (id, item) in items) _items[id] = item;
        LogMigrated(Catalog, Shard, items.Count);
    }

    /// <summary>Items written per store call when a shard is moved from the previous layout.</summary>
    private const int MigrationBatch = 10_000;

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        models.Changed -= OnModelChanged;
        metrics.ShardGone(Catalog, Shard);
        _indexes?.Dispose();
        return Task.CompletedTask;
    }

    /// <summary>
    /// The index queries use: built in this call only when the activation has none yet; when the silo's model has
    /// moved, the current index is returned and a rebuild is started (see <see cref="CatchUp"/>).
    /// </summary>
    private ShardIndex Index()
    {
        var model = models.Current;
        if (Indexes.Current is { } index)
        {
            CatchUp(model);
            return index;
        }
        var built = ShardIndex.Build(model, options.Value, _items, out var elapsed);
        Indexes.Start(built);
        LogIndexBuilt(Catalog, Shard, built.Count, built.Kind, model.Version, "(none)", elapsed.TotalMilliseconds);
        IndexBuilt(built, elapsed);
        return built;
    }

    /// <summary>Raised on the thread that published the model: moves into the activation's turn-based scheduler.</summary>
    private void OnModelChanged(Core.Model.TwoTowerModel model)
    {
        if (_scheduler is { } scheduler)
            _ = Task.Factory.StartNew(() => CatchUp(model), CancellationToken.None, TaskCreationOptions.None, scheduler);
    }

    /// <summary>
    /// Starts re-embedding and building for <paramref name="model"/> unless the shard has no index yet (the first call
    /// builds one with the current model), or that model is current or being built for. The build runs on threads of
    /// <see cref="ItemShardOptions.RebuildNice"/> over a snapshot of the items.
    /// </summary>
    private void CatchUp(Core.Model.TwoTowerModel model)
    {
        if (!Indexes.IsBehind(model)) return;
        long start = System.Diagnostics.Stopwatch.GetTimestamp();
        var snapshot = new Dictionary<string, StoredItem>(_items, StringComparer.Ordinal);
        var settings = options.Value;
        Indexes.BeginSwap(model,
            () => LowPriority.RunAsync(settings.RebuildNice, "reco-shard-build", () => (ShardIndex.Build(model, settings, snapshot, out var t), t)),
            swapped: (built, replaced, buildTime) =>
            {
                double swapMs = System.Diagnostics.Stopwatch.GetElapsedTime(start).TotalMilliseconds;
                metrics.IndexSwapped(Catalog, Shard, swapMs);
                LogIndexBuilt(Catalog, Shard, built.Count, built.Kind, model.Version, replaced, buildTime.TotalMilliseconds);
                LogSwapped(Catalog, Shard, model.Version, swapMs);
                IndexBuilt(built, buildTime);
            },
            failed: e => LogSwapFailed(e, Catalog, Shard, model.Version));
    }

    private void IndexBuilt(ShardIndex index, TimeSpan elapsed)
    {
        metrics.IndexBuilt(index.Kind, index.Count, elapsed.TotalMilliseconds);
        Report(index);
    }

    private void Report(ShardIndex index) => metrics.ShardSize(Catalog, Shard, index.Count, index.MemoryBytes);

    private async Task PersistAsync(Func<Task> write)
    {
        try
        {
            await write();
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

    [LoggerMessage(Level = LogLevel.Information, Message = "Shard {Catalog}/{Shard}: index for model {Version} swapped in {Milliseconds:F1} ms after the model changed")]
    private partial void LogSwapped(string catalog, int shard, string version, double milliseconds);

    [LoggerMessage(Level = LogLevel.Error, Message = "Shard {Catalog}/{Shard}: building the index for model {Version} failed; queries keep the old index")]
    private partial void LogSwapFailed(Exception error, string catalog, int shard, string version);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Shard {Catalog}/{Shard}: rejected {Rejected} new items, the shard holds its maximum of {Max}")]
    private partial void LogShardFull(string catalog, int shard, int rejected, int max);

    [LoggerMessage(Level = LogLevel.Error, Message = "Shard {Catalog}/{Shard}: state could not be read")]
    private partial void LogLoadFailed(Exception error, string catalog, int shard);

    [LoggerMessage(Level = LogLevel.Information, Message = "Shard {Catalog}/{Shard}: moved {Count} items from the previous storage layout")]
    private partial void LogMigrated(string catalog, int shard, int count);

    [LoggerMessage(Level = LogLevel.Error, Message = "Shard {Catalog}/{Shard}: state could not be saved; the activation reloads")]
    private partial void LogPersistFailed(Exception error, string catalog, int shard);
}
