using System.Numerics.Tensors;

namespace OrleansReco.Core.Index;

/// <summary>Argument checks shared by the indexes; all run before any loop over the index.</summary>
internal static class VectorChecks
{
    /// <summary>
    /// Checks <paramref name="source"/> (length, finite components, non-zero under cosine) and writes
    /// the vector the index stores or searches with into <paramref name="destination"/>: normalised when
    /// the metric normalises, copied otherwise.
    /// </summary>
    public static void Prepare<TDistance>(ReadOnlySpan<float> source, Span<float> destination, int dimension, string parameter)
        where TDistance : struct, IDistance
    {
        if (source.Length != dimension)
            throw new ArgumentException($"Vector has {source.Length} components; the index dimension is {dimension}.", parameter);
        for (int i = 0; i < source.Length; i++)
            if (!float.IsFinite(source[i]))
                throw new ArgumentException($"Vector component {i} is {source[i]}; every component must be finite.", parameter);
        if (TDistance.Normalizes)
        {
            float norm = TensorPrimitives.Norm(source);
            if (!(norm > 0f) || !float.IsFinite(norm))
                throw new ArgumentException($"Cannot use a vector of L2 norm {norm} under the cosine metric; it must be non-zero.", parameter);
            TensorPrimitives.Divide(source, norm, destination);
        }
        else
        {
            source.CopyTo(destination);
        }
    }

    public static void SearchArguments(ReadOnlySpan<float> query, int k, Span<SearchHit> results, int ef, int dimension)
    {
        if (k <= 0) throw new ArgumentException($"k must be positive, not {k}.", nameof(k));
        if (results.Length < k) throw new ArgumentException($"The results span holds {results.Length} hits; k is {k}.", nameof(results));
        if (ef < 0) throw new ArgumentException($"ef must be 0 (index default) or positive, not {ef}.", nameof(ef));
        if (query.Length != dimension)
            throw new ArgumentException($"Query has {query.Length} components; the index dimension is {dimension}.", nameof(query));
    }
}
