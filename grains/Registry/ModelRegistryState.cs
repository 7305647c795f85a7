using OrleansReco.GrainInterfaces;

namespace OrleansReco.Grains.Registry;

/// <summary>Persisted state of the model registry: the current version and every publication, oldest first.</summary>
[GenerateSerializer, Alias("reco.ModelRegistryState")]
public sealed class ModelRegistryState
{
    [Id(0)] public string? Current { get; set; }
    [Id(1)] public List<ModelVersionInfo> History { get; set; } = [];
}

/// <summary>Persisted state of one bundle chunk.</summary>
[GenerateSerializer, Alias("reco.ModelChunkState")]
public sealed class ModelChunkState
{
    [Id(0)] public byte[]? Data { get; set; }
}
