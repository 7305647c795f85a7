using Microsoft.Extensions.DependencyInjection;
using Orleans.Storage;

namespace OrleansReco.Grains.Storage;

/// <summary>
/// State written by the previous storage layout: one Orleans grain-storage record per grain under the storage names
/// <see cref="StorageNames.Users"/> and <see cref="StorageNames.Shards"/> (JSON or binary, whatever the silo's
/// <c>Reco:Cluster:StateFormat</c> says). A grain whose store is empty reads it here once, writes it in the new
/// layout, then clears it. With no provider registered under a name (the Memory provider: nothing outlives a
/// process) there is nothing to read.
/// </summary>
public sealed class PreviousLayout(IServiceProvider services)
{
    /// <summary>A record of the previous layout and how to delete it once it has been moved.</summary>
    public sealed record Found<T>(T State, Func<Task> ClearAsync);

    public async Task<Found<T>?> ReadAsync<T>(string storageName, string stateName, GrainId grain) where T : new()
    {
        var storage = services.GetKeyedService<IGrainStorage>(storageName);
        if (storage is null) return null;
        var state = new GrainState<T>(new T());
        await storage.ReadStateAsync(stateName, grain, state);
        if (!state.RecordExists) return null;
        return new Found<T>(state.State ?? new T(), () => storage.ClearStateAsync(stateName, grain, state));
    }
}
