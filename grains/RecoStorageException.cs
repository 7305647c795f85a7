namespace OrleansReco.Grains;

/// <summary>A grain could not persist its state; the message names the grain. The grain reloads its state on the next call.</summary>
public sealed class RecoStorageException : Exception
{
    public RecoStorageException() { }
    public RecoStorageException(string message) : base(message) { }
    public RecoStorageException(string message, Exception inner) : base(message, inner) { }
}
