namespace OrleansReco.GrainInterfaces;

/// <summary>
/// One publication of a model: its version, who published it and when, its validation metrics, the bundle's size
/// and how many stored chunks hold it. <paramref name="IsRollback"/>: an older stored version made current again.
/// <paramref name="Sha256"/>: the SHA-256 (lower-case hex) of the bytes the registry validated; every silo checks it
/// before loading (null only in records made before hashes were recorded).
/// </summary>
[GenerateSerializer, Immutable, Alias("reco.ModelVersionInfo")]
public sealed record ModelVersionInfo(
    [property: Id(0)] string Version,
    [property: Id(1)] string PublishedBy,
    [property: Id(2)] DateTimeOffset PublishedAt,
    [property: Id(3)] Dictionary<string, double> Metrics,
    [property: Id(4)] long SizeBytes,
    [property: Id(5)] int ChunkCount,
    [property: Id(6)] bool IsRollback = false,
    [property: Id(7)] string? Sha256 = null);
