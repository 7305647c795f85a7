using Microsoft.Extensions.Options;
using OrleansReco.Core.Index;

namespace OrleansReco.Grains.Items;

/// <summary>How catalogues are partitioned and indexed. Bound from section <c>Reco:Shards</c>.</summary>
public sealed class ItemShardOptions
{
    public const string Section = "Reco:Shards";

    /// <summary>Shards per catalogue (S). Every silo and every catalogue uses the same count; changing it moves items. Default 8.</summary>
    public int Count { get; set; } = 8;

    /// <summary>Most items one shard holds; upserts of new items beyond it are rejected (memory bound). Default 1,000,000.</summary>
    public int MaxItemsPerShard { get; set; } = 1_000_000;

    /// <summary>A shard uses an exact scan below this many items and an HNSW graph from there on. Default 2,000.</summary>
    public int HnswThreshold { get; set; } = 2_000;

    /// <summary>HNSW parameters (<c>Reco:Shards:Hnsw:M</c>, <c>EfConstruction</c>, <c>EfSearch</c>, ...).</summary>
    public HnswOptions Hnsw { get; set; } = new();

    /// <summary>
    /// Linux nice value (0 to 19) of the threads that re-embed a shard and build its new index after a model change.
    /// The rebuild then takes only the CPU that serving leaves, and queries keep the old index meanwhile; 0 builds at
    /// the silo's own priority. Default 10.
    /// </summary>
    public int RebuildNice { get; set; } = 10;

    /// <summary>
    /// Fault drills and tests only: an artificial delay before a shard answers a search, keyed by
    /// <c>catalogue/shard</c> (e.g. <c>"slow/3": "00:00:05"</c>). Empty in production.
    /// </summary>
    public Dictionary<string, TimeSpan> SimulatedSearchDelay { get; set; } = [];
}

public sealed class ItemShardOptionsValidator : IValidateOptions<ItemShardOptions>
{
    public ValidateOptionsResult Validate(string? name, ItemShardOptions o)
    {
        var failures = new List<string>();
        if (o.Count is < 1 or > 4096)
            failures.Add($"Reco:Shards:Count (env Reco__Shards__Count) must be in [1, 4096], not {o.Count}.");
        if (o.MaxItemsPerShard < 1)
            failures.Add($"Reco:Shards:MaxItemsPerShard (env Reco__Shards__MaxItemsPerShard) must be positive, not {o.MaxItemsPerShard}.");
        if (o.HnswThreshold < 0)
            failures.Add($"Reco:Shards:HnswThreshold (env Reco__Shards__HnswThreshold) must not be negative, not {o.HnswThreshold}.");
        if (o.RebuildNice is < 0 or > 19)
            failures.Add($"Reco:Shards:RebuildNice (env Reco__Shards__RebuildNice) must be in [0, 19], not {o.RebuildNice}.");
        try { o.Hnsw.Validate(); }
        catch (ArgumentException e) { failures.Add($"Reco:Shards:Hnsw: {e.Message}"); }
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
