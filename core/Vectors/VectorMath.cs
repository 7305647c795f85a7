using System.Numerics.Tensors;

namespace OrleansReco.Core.Vectors;

/// <summary>Small vector kernels shared by the towers, the index and the metrics.</summary>
public static class VectorMath
{
    /// <summary>
    /// Writes <paramref name="source"/> scaled to unit L2 norm into <paramref name="destination"/>.
    /// Scalar equivalent: <c>d[i] = s[i] / sqrt(sum_j s[j]^2)</c>.
    /// </summary>
    /// <exception cref="ArgumentException">Lengths differ, or the vector has zero or non-finite norm.</exception>
    public static void Normalize(ReadOnlySpan<float> source, Span<float> destination)
    {
        if (destination.Length != source.Length)
            throw new ArgumentException($"Destination length {destination.Length} differs from source length {source.Length}.", nameof(destination));
        float norm = TensorPrimitives.Norm(source);
        if (!(norm > 0f) || float.IsInfinity(norm))
            throw new ArgumentException($"Cannot normalise a vector whose L2 norm is {norm}.", nameof(source));
        TensorPrimitives.Divide(source, norm, destination);
    }

    /// <summary>Normalises <paramref name="vector"/> in place to unit L2 norm.</summary>
    public static void NormalizeInPlace(Span<float> vector) => Normalize(vector, vector);

    /// <summary>True when every component is finite (no NaN, no infinity).</summary>
    public static bool AllFinite(ReadOnlySpan<float> vector)
    {
        foreach (var x in vector)
            if (!float.IsFinite(x)) return false;
        return true;
    }
}
