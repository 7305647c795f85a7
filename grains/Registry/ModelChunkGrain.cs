namespace OrleansReco.Grains.Registry;

using OrleansReco.GrainInterfaces;

/// <summary>One chunk of a stored bundle (key: <c>{version}/{index}</c>). Kept in its own state so that no single
/// write carries a whole bundle.</summary>
public sealed class ModelChunkGrain(
    [PersistentState("chunk", StorageNames.Models)] IPersistentState<ModelChunkState> state) : Grain, IModelChunkGrain
{
    public async Task WriteAsync(byte[] data)
    {
        ArgumentNullException.ThrowIfNull(data);
        state.State.Data = data;
        await state.WriteStateAsync();
    }

    public Task<byte[]> ReadAsync() => Task.FromResult(state.State.Data
        ?? throw new KeyNotFoundException($"Model bundle chunk '{this.GetPrimaryKeyString()}' is not stored."));

    public static string KeyOf(string version, int index) => $"{version}/{index}";
}
