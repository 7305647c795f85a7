using OrleansReco.GrainInterfaces;
using OrleansReco.Grains.Registry;

namespace OrleansReco.Grains.Model;

/// <summary>
/// Moves bundle bytes to and from the chunk grains the registry keeps them in, so that no single message or stored
/// value carries a whole bundle (a large model is hundreds of MiB; Orleans messages and Redis values are not).
/// </summary>
public static class BundleChunks
{
    /// <summary>Stores <paramref name="bytes"/> as chunks of <paramref name="chunkBytes"/> under <paramref name="version"/>; returns the chunk count.</summary>
    public static async Task<int> UploadAsync(IGrainFactory grains, string version, byte[] bytes, int chunkBytes)
    {
        ArgumentNullException.ThrowIfNull(grains);
        ArgumentException.ThrowIfNullOrWhiteSpace(version);
        ArgumentNullException.ThrowIfNull(bytes);
        ArgumentOutOfRangeException.ThrowIfLessThan(chunkBytes, 1);
        int chunks = (bytes.Length + chunkBytes - 1) / chunkBytes;
        var writes = new Task[chunks];
        for (int i = 0; i < chunks; i++)
        {
            int start = i * chunkBytes;
            writes[i] = grains.GetGrain<IModelChunkGrain>(ModelChunkGrain.KeyOf(version, i))
                .WriteAsync(bytes[start..Math.Min(bytes.Length, start + chunkBytes)]);
        }
        await Task.WhenAll(writes);
        return chunks;
    }

    /// <summary>Reads a stored version's chunks back into one array, checking the size the registry recorded.</summary>
    public static async Task<byte[]> DownloadAsync(IGrainFactory grains, string version, int chunkCount, long sizeBytes)
    {
        ArgumentNullException.ThrowIfNull(grains);
        ArgumentException.ThrowIfNullOrWhiteSpace(version);
        if (sizeBytes < 0 || sizeBytes > Array.MaxLength)
            throw new InvalidDataException($"Model {version}: a size of {sizeBytes} bytes cannot be loaded.");
        var reads = new Task<byte[]>[chunkCount];
        for (int i = 0; i < reads.Length; i++)
            reads[i] = grains.GetGrain<IModelChunkGrain>(ModelChunkGrain.KeyOf(version, i)).ReadAsync();
        var chunks = await Task.WhenAll(reads);
        var bytes = new byte[sizeBytes];
        long offset = 0;
        foreach (var chunk in chunks)
        {
            if (offset + chunk.Length > bytes.Length)
                throw new InvalidDataException($"Model {version}: the chunks hold more than the {sizeBytes} bytes recorded.");
            chunk.CopyTo(bytes, offset);
            offset += chunk.Length;
        }
        if (offset != bytes.Length)
            throw new InvalidDataException($"Model {version}: chunks hold {offset} bytes, the registry recorded {bytes.Length}.");
        return bytes;
    }

    /// <summary>
    /// Deletes the chunks of <paramref name="version"/>: the first <paramref name="chunkCount"/> and any after them
    /// that hold data (an upload may have written more than was recorded). Returns how many held data.
    /// </summary>
    public static async Task<int> DeleteAsync(IGrainFactory grains, string version, int chunkCount)
    {
        ArgumentNullException.ThrowIfNull(grains);
        ArgumentException.ThrowIfNullOrWhiteSpace(version);
        var clears = new Task<bool>[Math.Max(0, chunkCount)];
        for (int i = 0; i < clears.Length; i++)
            clears[i] = grains.GetGrain<IModelChunkGrain>(ModelChunkGrain.KeyOf(version, i)).ClearAsync();
        int deleted = (await Task.WhenAll(clears)).Count(held => held);
        for (int i = clears.Length; await grains.GetGrain<IModelChunkGrain>(ModelChunkGrain.KeyOf(version, i)).ClearAsync(); i++)
            deleted++;
        return deleted;
    }

    /// <summary>Reads a published version's bundle.</summary>
    public static Task<byte[]> DownloadAsync(IGrainFactory grains, ModelVersionInfo published) =>
        DownloadAsync(grains, published.Version, published.ChunkCount, published.SizeBytes);
}
