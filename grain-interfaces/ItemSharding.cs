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

    /// <summary>Shard index in [0, <paramref name="shardCount"/>) of <paramref name="itemId"/>.</summary>
    public static int ShardOf(string itemId, int shardCount)
    {
        ArgumentNullException.ThrowIfNull(itemId);
        return FeatureHashing.Bucket(itemId, Seed, shardCount);
    }

    /// <summary>The shard grain for index <paramref name="shard"/> of <paramref name="catalog"/>.</summary>
    public static IItemShardGrain Shard(this IGrainFactory grains, string catalog, int shard) =>
        grains.GetGrain<IItemShardGrain>(shard, catalog);
}
