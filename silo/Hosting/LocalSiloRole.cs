using OrleansReco.Grains.Placement;

namespace OrleansReco.Silo.Hosting;

/// <summary>This silo's role (<c>serve</c>, <c>train</c> or <c>all</c>), as published in its metadata by <c>AddRecoRole</c>.</summary>
public sealed record LocalSiloRole(string Name)
{
    /// <summary>Whether this silo hosts serving grains and consumes the event stream.</summary>
    public bool Serves => SiloRoles.Serves(Name);
}
