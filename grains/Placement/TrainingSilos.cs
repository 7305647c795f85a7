using Orleans.Placement;
using Orleans.Runtime.MembershipService.SiloMetadata;
using Orleans.Runtime.Placement;

namespace OrleansReco.Grains.Placement;

/// <summary>Keeps a grain on training silos (role <c>train</c> or <c>all</c>).</summary>
public sealed class TrainingSilosFilterStrategy() : PlacementFilterStrategy(order: 0);

/// <summary>Places the grain on training silos only (<see cref="SiloRoles.Trains"/>); with none in the cluster it cannot be activated.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false)]
public sealed class TrainingSilosOnlyAttribute() : PlacementFilterAttribute(new TrainingSilosFilterStrategy());

/// <summary>Filters candidate silos by their role metadata; unlike serving, never falls back to other silos.</summary>
public sealed class TrainingSilosFilterDirector(ISiloMetadataCache metadata) : IPlacementFilterDirector
{
    public IEnumerable<SiloAddress> Filter(PlacementFilterStrategy filterStrategy, PlacementTarget target, IEnumerable<SiloAddress> silos) =>
        silos.Where(s => SiloRoles.Trains(metadata.GetSiloMetadata(s).Metadata.GetValueOrDefault(SiloRoles.MetadataKey))).ToList();
}
