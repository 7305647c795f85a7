using OrleansReco.Core.Serving;
using OrleansReco.GrainInterfaces;

namespace OrleansReco.Grains.Items;

/// <summary>
/// A shard as the previous storage layout kept it: every item in one Orleans grain-storage record, rewritten on every
/// upsert. Read only to move a shard to <see cref="IItemShardStore"/> (see <see cref="Storage.PreviousLayout"/>).
/// </summary>
[GenerateSerializer, Alias("reco.ItemShardState")]
public sealed class ItemShardState
{
    [Id(0)] public Dictionary<string, StoredItem> Items { get; set; } = new(StringComparer.Ordinal);
}

/// <summary>
/// One stored item. Filters read a field from the metadata first, then from the features. Every member defaults
/// to its type's default: JSON storage may omit default values, so an initialiser would overwrite a stored
/// <c>false</c> when read back.
/// </summary>
[GenerateSerializer, Alias("reco.StoredItem")]
public sealed class StoredItem : IItemFields
{
    [Id(0)] public Dictionary<string, string>? Features { get; set; }
    [Id(1)] public Dictionary<string, string>? Metadata { get; set; }
    [Id(2)] public bool Available { get; set; }

    public static StoredItem From(CatalogItem item) => new()
    {
        Features = item.Features is { Count: > 0 } f ? new Dictionary<string, string>(f, StringComparer.Ordinal) : null,
        Metadata = item.Metadata is { Count: > 0 } m ? new Dictionary<string, string>(m, StringComparer.Ordinal) : null,
        Available = item.Available,
    };

    public CatalogItem ToItem(string itemId) => new(
        itemId,
        Features is null ? null : new Dictionary<string, string>(Features),
        Available,
        Metadata is null ? null : new Dictionary<string, string>(Metadata));

    public string? Get(string field) =>
        Metadata is not null && Metadata.TryGetValue(field, out var m) ? m
        : Features is not null && Features.TryGetValue(field, out var f) ? f
        : null;

    /// <summary>Rough bytes held by the item's strings and maps, for the memory metric.</summary>
    public long EstimateBytes(string itemId)
    {
        long bytes = 64 + 2L * itemId.Length;
        bytes += Estimate(Features) + Estimate(Metadata);
        return bytes;

        static long Estimate(Dictionary<string, string>? map)
        {
            if (map is null) return 0;
            long total = 80;
            foreach (var (k, v) in map) total += 48 + 2L * (k.Length + v.Length);
            return total;
        }
    }
}
