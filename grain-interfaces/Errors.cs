namespace OrleansReco.GrainInterfaces;

/// <summary>A serving call found no model loaded on the silo (set <c>Reco:Model:Path</c>, or publish a model).</summary>
[GenerateSerializer, Alias("reco.ModelUnavailableException")]
public sealed class ModelUnavailableException : Exception
{
    public ModelUnavailableException() { }
    public ModelUnavailableException(string message) : base(message) { }
    public ModelUnavailableException(string message, Exception inner) : base(message, inner) { }
}

/// <summary>A grain could not persist its state; the message names the grain. The grain reloads its state on the next call.</summary>
[GenerateSerializer, Alias("reco.RecoStorageException")]
public sealed class RecoStorageException : Exception
{
    public RecoStorageException() { }
    public RecoStorageException(string message) : base(message) { }
    public RecoStorageException(string message, Exception inner) : base(message, inner) { }
}

/// <summary>A model bundle was refused (not a bundle, corrupt, or a version already published); the message says why.</summary>
[GenerateSerializer, Alias("reco.InvalidModelBundleException")]
public sealed class InvalidModelBundleException : Exception
{
    public InvalidModelBundleException() { }
    public InvalidModelBundleException(string message) : base(message) { }
    public InvalidModelBundleException(string message, Exception inner) : base(message, inner) { }
}
