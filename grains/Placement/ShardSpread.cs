using Orleans.Placement;
using Orleans.Runtime.Placement;
using OrleansReco.Core.Model;

namespace OrleansReco.Grains.Placement;

/// <summary>
/// Spreads the item shards of a catalogue evenly over the serving silos: shard <c>i</c> goes to silo
/// <c>(i + c) mod n</c> of the <c>n</c> compatible silos in address order (<c>c</c>: a stable hash of the catalogue, so
/// that shard 0 of every catalogue does not land on the same silo). Every query asks every shard, so a silo holding
/// more shards than the others does more of every query's work and sets its latency; load-based placement, activating
/// eight shards within a moment, could put five of them on one of two silos. A shard stays where it was activated
/// until it deactivates (a silo joining later takes shards as they are activated again).
/// </summary>
[GenerateSerializer, Immutable]
public sealed class ShardSpreadPlacement : PlacementStrategy;

/// <summary>Places the grain with <see cref="ShardSpreadPlacement"/> (keys: shard number + catalogue).</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false)]
public sealed class ShardSpreadPlacementAttribute() : PlacementAttribute(new ShardSpreadPlacement());

/// <summary>Chooses the silo of an item shard (see <see cref="ShardSpreadPlacement"/>).</summary>
public sealed class ShardSpreadPlacementDirector : IPlacementDirector
{
    private const ulong CatalogSeed = 0x73687264_73707264UL;

    public Task<SiloAddress> OnAddActivation(PlacementStrategy strategy, PlacementTarget target, IPlacementContext context)
    {
        var silos = context.GetCompatibleSilos(target);
        if (silos.Length == 0) throw new OrleansException($"No compatible silo for {target.GrainIdentity}.");
        long shard = target.GrainIdentity.GetIntegerKey(out string? catalog);
        return Task.FromResult(Choose(silos, shard, catalog));
    }

    /// <summary>The silo of <paramref name="shard"/> of <paramref name="catalog"/> among <paramref name="silos"/>.</summary>
    public static SiloAddress Choose(IReadOnlyList<SiloAddress> silos, long shard, string? catalog)
    {
        var ordered = silos.OrderBy(s => s.ToParsableString(), StringComparer.Ordinal).ToArray();
        // FeatureHashing: the same hash on every silo and across restarts (never string.GetHashCode).
        ulong position = unchecked((ulong)shard + FeatureHashing.Hash(catalog ?? "", CatalogSeed));
        return ordered[(int)(position % (ulong)ordered.Length)];
    }
}
