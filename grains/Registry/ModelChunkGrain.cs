namespace OrleansReco.Grains.Registry;

using OrleansReco.GrainInterfaces;

/// <summary>One chunk of a stored bundle (key: <c>{version}/{index}</c>). Kept in its own state so that no single
/// write carries a whole bundle. Write-once, so that a published version's bytes cannot be replaced.</summary>
public sealed class ModelChunkGrain(
    [PersistentState("chunk", StorageNames.Models)] IPersistentState<ModelChunkState> state) : Grain, IModelChunkGrain
{
    public async Task WriteAsync(byte[] data)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (state.State.Data is { } stored)
        {
            if (stored.AsSpan().SequenceEqual(data)) return;
            throw new InvalidModelBundleException(
                $"Model bundle chunk '{this.GetPrimaryKeyString()}' is already stored with other bytes; chunks are write-once (publish under a new version).");
        }
        state.State.Data = data;
        await state.WriteStateAsync();
    }

    public Task<byte[]> ReadAsync() => Task.FromResult(state.State.Data
        ?? throw new KeyNotFoundException($"Model bundle chunk '{this.GetPrimaryKeyString()}' is not stored."));

    public async Task<bool> ClearAsync()
    {
        bool held = state.State.Data is not null;
        if (held || state.RecordExists) await state.ClearStateAsync();
        state.State.Data = null;
        DeactivateOnIdle();
        return held;
    }

    public static string KeyOf(string version, int index) => $"{version}/{index}";
}
