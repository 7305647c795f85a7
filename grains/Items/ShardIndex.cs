using System.Buffers;
using System.Diagnostics;
using System.Numerics.Tensors;
using OrleansReco.Core.Index;
using OrleansReco.Core.Model;
using OrleansReco.Core.Serving;
using OrleansReco.GrainInterfaces;
using OrleansReco.Grains.Model;

namespace OrleansReco.Grains.Items;

/// <summary>
/// The in-memory side of a shard: item slots (id, availability, fields) and a vector index keyed by slot,
/// built with one model. An exact scan below <see cref="ItemShardOptions.HnswThreshold"/> items, HNSW from there
/// on. Not thread-safe: the owning grain calls it one turn at a time.
/// </summary>
internal sealed class ShardIndex : IDisposable
{
    private readonly TwoTowerModel _model;
    private readonly ItemShardOptions _options;
    private readonly Dictionary<string, int> _slotOf = new(StringComparer.Ordinal);
    private readonly Stack<int> _free = new();
    private string?[] _ids = new string?[64];
    private StoredItem?[] _items = new StoredItem?[64];
    // Per slot: SlotPresent, and SlotAvailable when the item is available. The filter of every query reads these bytes
    // (a few kilobytes per shard, cache-resident) instead of each candidate's item object.
    private byte[] _flags = new byte[64];
    private const byte SlotPresent = 1, SlotAvailable = 2;
    private int _available;
    private int _slots;
    private long _itemBytes;
    private int _deletedSinceBuild;
    private IVectorIndex _index;

    private ShardIndex(TwoTowerModel model, ItemShardOptions options, IVectorIndex index, bool hnsw)
    {
        _model = model;
        _options = options;
        _index = index;
        IsHnsw = hnsw;
    }

    public string ModelVersion => _model.Version;
    public int Count => _slotOf.Count;
    public bool IsHnsw { get; private set; }
    public string Kind => IsHnsw ? "hnsw" : "exact";
    public long MemoryBytes => _index.MemoryBytes + _itemBytes + (long)_ids.Length * 16 + _slotOf.Count * 40L;

    /// <summary>Embeds every item with <paramref name="model"/> and builds the index; <paramref name="elapsed"/> is the build time.</summary>
    public static ShardIndex Build(TwoTowerModel model, ItemShardOptions options, IReadOnlyDictionary<string, StoredItem> items, out TimeSpan elapsed)
    {
        var clock = Stopwatch.StartNew();
        int n = items.Count, d = model.Dimension;
        bool hnsw = n >= options.HnswThreshold && n > 0;
        var ids = new int[n];
        var vectors = new float[n * d];
        var shard = new ShardIndex(model, options, VectorIndex.CreateBruteForce(VectorMetric.Cosine, d, Math.Max(n, 64)), hnsw: false);
        int slot = 0;
        foreach (var (id, item) in items)
        {
            shard.Place(id, item, slot);
            ids[slot] = slot;
            shard.Embed(id, item, vectors.AsSpan(slot * d, d));
            if (!hnsw) shard._index.Add(slot, vectors.AsSpan(slot * d, d));
            slot++;
        }
        if (hnsw)
        {
            shard._index.Dispose();
            shard._index = VectorIndex.Build(VectorMetric.Cosine, d, ids, vectors, options.Hnsw, threads: 1);
            shard.IsHnsw = true;
        }
        elapsed = clock.Elapsed;
        return shard;
    }

    /// <summary>Adds or replaces an item. False when it is new and the shard is full.</summary>
    public bool TryUpsert(string itemId, StoredItem item, out bool added)
    {
        Span<float> vector = stackalloc float[_model.Dimension];
        Embed(itemId, item, vector);
        if (_slotOf.TryGetValue(itemId, out int slot))
        {
            _itemBytes -= _items[slot]!.EstimateBytes(itemId);
            _items[slot] = item;
            _itemBytes += item.EstimateBytes(itemId);
            SetFlags(slot, item);
            _index.Update(slot, vector);
            added = false;
            return true;
        }
        added = true;
        if (Count >= _options.MaxItemsPerShard) return false;
        slot = _free.Count > 0 ? _free.Pop() : _slots;
        Place(itemId, item, slot);
        _index.Add(slot, vector);
        return true;
    }

    /// <summary>
    /// Keeps the index fit after changes: switches from the exact scan to HNSW once the shard has grown past the
    /// threshold, and rebuilds the graph once removed items (which HNSW keeps as tombstones) reach a quarter of the
    /// live ones, so churn does not grow memory without bound. Returns the build time, or null when nothing was done.
    /// </summary>
    public TimeSpan? Maintain()
    {
        if (!IsHnsw && Count >= _options.HnswThreshold && Count > 0) return SwitchToHnsw();
        if (!IsHnsw || _deletedSinceBuild < Math.Max(64, Count / 4)) return null;
        var clock = Stopwatch.StartNew();
        var rebuilt = _index.Rebuild(threads: 1);
        _index.Dispose();
        _index = rebuilt;
        _deletedSinceBuild = 0;
        return clock.Elapsed;
    }

    private TimeSpan SwitchToHnsw()
    {
        var clock = Stopwatch.StartNew();
        int d = _model.Dimension;
        var ids = new int[Count];
        var vectors = new float[Count * d];
        int i = 0;
        foreach (int slot in _slotOf.Values)
        {
            ids[i] = slot;
            _index.TryGetVector(slot, vectors.AsSpan(i * d, d));
            i++;
        }
        var built = VectorIndex.Build(VectorMetric.Cosine, d, ids, vectors, _options.Hnsw, threads: 1);
        _index.Dispose();
        _index = built;
        IsHnsw = true;
        _deletedSinceBuild = 0;
        return clock.Elapsed;
    }

    public bool Remove(string itemId)
    {
        if (!_slotOf.Remove(itemId, out int slot)) return false;
        _index.MarkDeleted(slot);
        _deletedSinceBuild++;
        _itemBytes -= _items[slot]!.EstimateBytes(itemId);
        _ids[slot] = null;
        _items[slot] = null;
        if ((_flags[slot] & SlotAvailable) != 0) _available--;
        _flags[slot] = 0;
        _free.Push(slot);
        return true;
    }

    /// <summary>The best items for <paramref name="query"/> that pass its filter, best first.</summary>
    public RecommendedItem[] Search(ShardQuery query)
    {
        if (query.Vector.Length != _model.Dimension)
            throw new ArgumentException($"Query vector has length {query.Vector.Length}; model {ModelVersion} has dimension {_model.Dimension}.");
        if (Count == 0) return [];
        // The excluded ids (the user's seen items, for every shard) become this shard's slots, sorted: the filter
        // checks a slot with a binary search instead of building a set of the whole list per query.
        var excluded = ArrayPool<int>.Shared.Rent(Math.Max(1, query.ExcludedItemIds.Length));
        int excludedCount = 0;
        foreach (var id in query.ExcludedItemIds)
            if (_slotOf.TryGetValue(id, out int slot)) excluded[excludedCount++] = slot;
        Array.Sort(excluded, 0, excludedCount);
        var filter = new SlotFilter(_flags, _ids, _items, ToFilter(query), excluded, excludedCount, query.OnlyAvailable ? _available : Count);
        string? field = query.LimitField;
        bool limited = field is not null && query.LimitPerValue > 0;
        int fetch = Math.Min(Count, limited ? query.K * 4 : query.K);
        try
        {
            return SearchFiltered(query, filter, field, limited, fetch);
        }
        finally
        {
            ArrayPool<int>.Shared.Return(excluded);
        }
    }

    private RecommendedItem[] SearchFiltered(ShardQuery query, SlotFilter filter, string? field, bool limited, int fetch)
    {
        while (true)
        {
            var hits = ArrayPool<SearchHit>.Shared.Rent(fetch);
            try
            {
                int n = _index.Search(query.Vector, fetch, hits.AsSpan(0, fetch), ef: 0, filter);
                if (!limited)
                {
                    var top = new RecommendedItem[n];
                    for (int i = 0; i < n; i++) top[i] = new RecommendedItem(_ids[hits[i].Id]!, hits[i].Score);
                    return top;
                }
                var ranked = new List<ScoredItem>(n);
                for (int i = 0; i < n; i++) ranked.Add(new ScoredItem(_ids[hits[i].Id]!, hits[i].Score));
                var kept = TopK.LimitPerField(ranked, id => FieldOf(id, field!), query.LimitPerValue, query.K);
                if (kept.Count >= query.K || n < fetch || fetch >= Count)
                    return kept.Select(r => new RecommendedItem(r.ItemId, r.Score, FieldOf(r.ItemId, field!))).ToArray();
                fetch = (int)Math.Min(Count, fetch * 4L);
            }
            finally
            {
                ArrayPool<SearchHit>.Shared.Return(hits);
            }
        }
    }

    /// <summary>Cosine of <paramref name="vector"/> with the item's embedding, or null for an unknown item.</summary>
    public float? Score(ReadOnlySpan<float> vector, string itemId)
    {
        if (!_slotOf.TryGetValue(itemId, out int slot)) return null;
        Span<float> item = stackalloc float[_model.Dimension];
        _index.TryGetVector(slot, item);
        return TensorPrimitives.CosineSimilarity(vector, item);
    }

    public float[]? Vector(string itemId)
    {
        if (!_slotOf.TryGetValue(itemId, out int slot)) return null;
        var v = new float[_model.Dimension];
        return _index.TryGetVector(slot, v) ? v : null;
    }

    public string? FieldOf(string itemId, string field) =>
        _slotOf.TryGetValue(itemId, out int slot) ? _items[slot]!.Get(field) : null;

    /// <summary>True when the item lacks a value for a feature the model's item tower uses (it is embedded without it).</summary>
    public bool LacksFeatures(StoredItem item) => FeatureCoverage.LacksAny(_model.Header.Item, item.Features);

    public void Dispose() => _index.Dispose();

    private void Embed(string itemId, StoredItem item, Span<float> destination) =>
        _model.EmbedItem(itemId, FeatureRows.ToRow(_model.ItemColumns, item.Features), destination);

    private void Place(string itemId, StoredItem item, int slot)
    {
        if (slot >= _ids.Length)
        {
            int size = Math.Max(slot + 1, _ids.Length * 2);
            Array.Resize(ref _ids, size);
            Array.Resize(ref _items, size);
            Array.Resize(ref _flags, size);
        }
        _ids[slot] = itemId;
        _items[slot] = item;
        SetFlags(slot, item);
        _slotOf[itemId] = slot;
        _itemBytes += item.EstimateBytes(itemId);
        if (slot >= _slots) _slots = slot + 1;
    }

    /// <summary>Marks the slot present, and available when the item is; keeps the count of available items.</summary>
    private void SetFlags(int slot, StoredItem item)
    {
        if ((_flags[slot] & SlotAvailable) != 0) _available--;
        _flags[slot] = (byte)(SlotPresent | (item.Available ? SlotAvailable : 0));
        if (item.Available) _available++;
    }

    private static ItemFilter ToFilter(ShardQuery query)
    {
        var constraints = new FieldConstraint[query.Rules.Length];
        for (int i = 0; i < constraints.Length; i++) constraints[i] = query.Rules[i].ToConstraint();
        // Excluded ids are checked by slot (SlotFilter), not by the filter's id set.
        return new ItemFilter { OnlyAvailable = query.OnlyAvailable, Constraints = constraints };
    }

    /// <summary>
    /// Evaluated for every candidate inside the index walk, so the survivors are the best that pass:
    /// <paramref name="excluded"/> holds the excluded slots, sorted, in its first <paramref name="excludedCount"/> entries.
    /// Presence and availability come from the slot's flag byte; the item object is read only when the query has field
    /// constraints. Without them the number of allowed items is known (<paramref name="candidates"/>, the present or
    /// available items, less the excluded ones), so the index need not sample the filter to size its search.
    /// </summary>
    private readonly struct SlotFilter(byte[] flags, string?[] ids, StoredItem?[] items, ItemFilter filter, int[] excluded, int excludedCount, int candidates)
        : IVectorFilter
    {
        private readonly byte _required = filter.OnlyAvailable ? (byte)(SlotPresent | SlotAvailable) : SlotPresent;
        private readonly bool _fields = filter.Constraints.Count > 0;

        public bool Allows(int id) =>
            (flags[id] & _required) == _required
            && (excludedCount == 0 || Array.BinarySearch(excluded, 0, excludedCount, id) < 0)
            && (!_fields || filter.Allows(ids[id]!, available: true, items[id]!));

        public int AllowedCountHint => _fields ? -1 : Math.Max(0, candidates - excludedCount);
    }
}
