using Orleans.Placement;
using Orleans.Runtime.MembershipService.SiloMetadata;
using Orleans.Runtime.Placement;

namespace OrleansReco.Grains.Placement;

/// <summary>Keeps a grain off training-only silos (role <c>train</c>): it is placed on <c>serve</c> or <c>all</c> silos.</summary>
public sealed class ServingSilosFilterStrategy() : PlacementFilterStrategy(order: 0);

/// <summary>Places the grain on serving silos only (<see cref="SiloRoles.Serves"/>).</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false)]
public sealed class ServingSilosOnlyAttribute() : PlacementFilterAttribute(new ServingSilosFilterStrategy());

/// <summary>
/// Filters candidate silos by their role metadata. When no serving silo is left (a cluster of trainers only) it
/// keeps every candidate, so that serving degrades onto trainers instead of failing.
/// </summary>
public sealed class ServingSilosFilterDirector(ISiloMetadataCache metadata) : IPlacementFilterDirector
{
    public IEnumerable<SiloAddress> Filter(PlacementFilterStrategy filterStrategy, PlacementTarget target, IEnumerable<SiloAddress> silos)
    {
        var candidates = silos as IReadOnlyCollection<SiloAddress> ?? silos.ToList();
        var serving = candidates.Where(s => SiloRoles.Serves(metadata.GetSiloMetadata(s).Metadata.GetValueOrDefault(SiloRoles.MetadataKey))).ToList();
        return serving.Count > 0 ? serving : candidates;
    }
}
