using OrleansReco.Core.Model;

namespace OrleansReco.GrainInterfaces;

/// <summary>
/// Item → shard assignment: a stable 64-bit FNV-1a hash of the item id (the same in every process and release;
/// never <see cref="string.GetHashCode()"/>) modulo the shard count.
/// </summary>
public static class ItemSharding
{
    /// <summary>Catalogue used when a caller names none.</summary>
    public const string DefaultCatalog = "default";

    private const ulong Seed = 0x73686172645f6964UL;
    private const ulong RouteSeed = 0x726f7574655f6964UL;

    /// <summary>Shard index in [0, <paramref name="shardCount"/>) of <paramref name="itemId"/>.</summary>
    public static int ShardOf(string itemId, int shardCount)
    {
        ArgumentNullException.ThrowIfNull(itemId);
        return FeatureHashing.Bucket(itemId, Seed, shardCount);
    }

    /// <summary>
    /// Distinct keys a catalogue's recommender is called under from outside the cluster. A client sends every call for
    /// one grain id through the same gateway silo, and a stateless worker runs on the silo the call arrives at: under the
    /// catalogue's name alone every query of a gateway would be merged on one silo. Spread over this many keys, they
    /// spread over every gateway silo.
    /// </summary>
    public const int RecommenderRoutes = 32;

    /// <summary>Separates a catalogue's name from its route number in a recommender key (<c>default~7</c>).</summary>
    public const char RouteSeparator = '~';

    /// <summary>
    /// The recommender of <paramref name="catalog"/>. With <paramref name="spreadBy"/> (a user or item id, or null for
    /// none) the call goes to one of <see cref="RecommenderRoutes"/> keys chosen by its hash, so that a client's calls
    /// spread over the gateway silos; every key answers for the same catalogue (<see cref="CatalogOfRecommender"/>).
    /// </summary>
    public static IRecommendGrain Recommender(this IGrainFactory grains, string catalog, string? spreadBy = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(catalog);
        if (catalog.Contains(RouteSeparator)) throw new ArgumentException($"A catalogue name may not contain '{RouteSeparator}': '{catalog}'.", nameof(catalog));
        if (spreadBy is null) return GrainReferences.WithStringKey<IRecommendGrain>(grains, catalog);
        int route = FeatureHashing.Bucket(spreadBy, RouteSeed, RecommenderRoutes);
        return GrainReferences.WithStringKey<IRecommendGrain>(grains, catalog + RouteSeparator + route.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    /// <summary>The catalogue a recommender key answers for: the key up to its route separator, if any.</summary>
    public static string CatalogOfRecommender(string key)
    {
        int at = key.LastIndexOf(RouteSeparator);
        return at < 0 ? key : key[..at];
    }

    /// <summary>The shard grain for index <paramref name="shard"/> of <paramref name="catalog"/>.</summary>
    public static IItemShardGrain Shard(this IGrainFactory grains, string catalog, int shard) =>
        GrainReferences.WithIntegerCompoundKey<IItemShardGrain>(grains, shard, catalog);
}
