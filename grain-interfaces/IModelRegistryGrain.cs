namespace OrleansReco.GrainInterfaces;

/// <summary>
/// The cluster's model registry (one grain, key <see cref="ModelRegistry.Key"/>): the current version, the history
/// of publications and the bundles themselves, stored in chunks so that every silo can fetch them without a shared disk.
/// </summary>
[Alias("reco.IModelRegistryGrain")]
public interface IModelRegistryGrain : IGrainWithStringKey
{
    /// <summary>Validates and stores a bundle, makes it current and tells every silo. A bad bundle changes nothing.</summary>
    [Alias("Publish")]
    Task<ModelVersionInfo> PublishAsync(byte[] bundle, string publishedBy, Dictionary<string, double>? metrics);

    /// <summary>
    /// Publishes a bundle whose bytes the caller already stored as <paramref name="chunkCount"/> chunk grains under
    /// <paramref name="version"/> (for bundles larger than one message): validated like <see cref="PublishAsync"/>.
    /// </summary>
    [Alias("PublishUploaded")]
    Task<ModelVersionInfo> PublishUploadedAsync(string version, long sizeBytes, int chunkCount, string publishedBy, Dictionary<string, double>? metrics);

    /// <summary>
    /// Deletes the chunks stored under <paramref name="version"/> when the registry has not recorded that version (an
    /// upload whose publication failed or never came); returns how many chunks held data. A recorded version is kept.
    /// </summary>
    [Alias("Discard")]
    Task<int> DiscardAsync(string version);

    /// <summary>Makes an earlier stored version current again (a new publication of the same bytes).</summary>
    [Alias("Rollback")]
    Task<ModelVersionInfo> RollbackAsync(string version, string requestedBy);

    /// <summary>The current publication, or null when nothing was published.</summary>
    [Alias("GetCurrent")]
    Task<ModelVersionInfo?> GetCurrentAsync();

    /// <summary>Every publication, oldest first.</summary>
    [Alias("GetHistory")]
    Task<ModelVersionInfo[]> GetHistoryAsync();

    /// <summary>Chunk <paramref name="index"/> (0-based) of a stored version's bundle.</summary>
    [Alias("GetBundleChunk")]
    Task<byte[]> GetBundleChunkAsync(string version, int index);

    /// <summary>
    /// Registers (or refreshes) a silo's subscriber, told of every later publication; returns the current one. Silos
    /// call this periodically: a subscriber not refreshed for four sync intervals is dropped.
    /// </summary>
    [Alias("Subscribe")]
    Task<ModelVersionInfo?> SubscribeAsync(string silo, IModelSubscriber subscriber);
}

/// <summary>A silo's receiver of publications: loads the published bundle into the silo's model cache.</summary>
[Alias("reco.IModelSubscriber")]
public interface IModelSubscriber : IGrainObserver
{
    /// <summary>Makes <paramref name="published"/> the silo's model; returns once it is loaded.</summary>
    [Alias("Load")]
    Task LoadAsync(ModelVersionInfo published);
}

/// <summary>Where the registry lives.</summary>
public static class ModelRegistry
{
    /// <summary>Key of the one registry grain.</summary>
    public const string Key = "default";

    public static IModelRegistryGrain Registry(this IGrainFactory grains) => grains.GetGrain<IModelRegistryGrain>(Key);
}

/// <summary>One stored chunk of a bundle (key: <c>{version}/{index}</c>); written once.</summary>
[Alias("reco.IModelChunkGrain")]
public interface IModelChunkGrain : IGrainWithStringKey
{
    /// <summary>Stores the chunk. Write-once: the same bytes again are accepted, other bytes are refused.</summary>
    /// <exception cref="InvalidModelBundleException">The chunk already holds other bytes.</exception>
    [Alias("Write")]
    Task WriteAsync(byte[] data);

    /// <summary>Deletes the chunk (a pruned version or a failed upload); true when it held data.</summary>
    [Alias("Clear")]
    Task<bool> ClearAsync();

    /// <summary>The stored bytes; throws when the chunk was never written.</summary>
    [Alias("Read")]
    Task<byte[]> ReadAsync();
}
