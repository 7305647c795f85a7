namespace OrleansReco.GrainInterfaces;

/// <summary>
/// A catalogue item: <paramref name="Features"/> feed the item tower by column name (e.g. <c>category</c>,
/// <c>title</c>); <paramref name="Metadata"/> holds extra fields for filters (e.g. <c>product_type</c>). Filters
/// look a field up in the metadata first, then in the features.
/// </summary>
[GenerateSerializer, Immutable, Alias("reco.CatalogItem")]
public sealed record CatalogItem(
    [property: Id(0)] string ItemId,
    [property: Id(1)] Dictionary<string, string>? Features = null,
    [property: Id(2)] bool Available = true,
    [property: Id(3)] Dictionary<string, string>? Metadata = null);

/// <summary>Outcome of an upsert: new items, replaced items, and items refused because a shard was full.</summary>
[GenerateSerializer, Immutable, Alias("reco.UpsertResult")]
public sealed record UpsertResult(
    [property: Id(0)] int Added,
    [property: Id(1)] int Updated,
    [property: Id(2)] int Rejected)
{
    public static UpsertResult operator +(UpsertResult a, UpsertResult b) =>
        new(a.Added + b.Added, a.Updated + b.Updated, a.Rejected + b.Rejected);
}

/// <summary>One page of a catalogue listing and the number of items that matched in all.</summary>
[GenerateSerializer, Immutable, Alias("reco.ItemPage")]
public sealed record ItemPage(
    [property: Id(0)] CatalogItem[] Items,
    [property: Id(1)] int Total);

/// <summary>Size of one shard: live items, bytes held (index and item data), index kind and model version.</summary>
[GenerateSerializer, Immutable, Alias("reco.ShardStats")]
public sealed record ShardStats(
    [property: Id(0)] int Shard,
    [property: Id(1)] int Items,
    [property: Id(2)] long MemoryBytes,
    [property: Id(3)] string IndexKind,
    [property: Id(4)] string ModelVersion);
