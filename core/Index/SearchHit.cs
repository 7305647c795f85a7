namespace OrleansReco.Core.Index;

/// <summary>One search result: the caller's item id and its score, where higher is better
/// (cosine similarity under <see cref="VectorMetric.Cosine"/>, negative squared L2 distance under
/// <see cref="VectorMetric.SquaredL2"/>).</summary>
public readonly record struct SearchHit(int Id, float Score);

/// <summary>How an index compares vectors; chosen once when the index is created.</summary>
public enum VectorMetric
{
    /// <summary>Inner product of L2-normalised vectors (the default; used by the towers). Vectors are normalised on Add.</summary>
    Cosine = 1,

    /// <summary>Squared Euclidean distance; scores are its negation.</summary>
    SquaredL2 = 2,
}
