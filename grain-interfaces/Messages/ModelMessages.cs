namespace OrleansReco.GrainInterfaces;

/// <summary>
/// One publication of a model: its version, who published it and when, its validation metrics, the bundle's size
/// and how many stored chunks hold it. <paramref name="IsRollback"/>: an older stored version made current again.
/// </summary>
[GenerateSerializer, Immutable, Alias("reco.ModelVersionInfo")]
public sealed record ModelVersionInfo(
    [property: Id(0)] string Version,
    [property: Id(1)] string PublishedBy,
    [property: Id(2)] DateTimeOffset PublishedAt,
    [property: Id(3)] Dictionary<string, double> Metrics,
    [property: Id(4)] long SizeBytes,
    [property: Id(5)] int ChunkCount,
    [property: Id(6)] bool IsRollback = false);
