using OrleansReco.Core.Model;
using OrleansReco.GrainInterfaces;

namespace OrleansReco.Grains.Model;

/// <summary>
/// The silo's current model (one per silo, shared by every grain). Grains read <see cref="Current"/> per call and
/// compare <see cref="Version"/> with the version their cached vectors were computed with.
/// </summary>
public interface IModelProvider
{
    /// <summary>True once a model is loaded.</summary>
    bool IsLoaded { get; }

    /// <summary>Version of the current model; empty while none is loaded.</summary>
    string Version { get; }

    /// <summary>The current model.</summary>
    /// <exception cref="ModelUnavailableException">No model is loaded.</exception>
    TwoTowerModel Current { get; }

    /// <summary>True once <paramref name="version"/> is current; false when it did not become current within <paramref name="timeout"/>.</summary>
    Task<bool> WaitForVersionAsync(string version, TimeSpan timeout);

    /// <summary>Raised after <see cref="Current"/> changed.</summary>
    event Action<TwoTowerModel>? Changed;
}
