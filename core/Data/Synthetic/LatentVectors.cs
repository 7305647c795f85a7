using System.Numerics.Tensors;

namespace OrleansReco.Core.Data.Synthetic;

/// <summary>Small helpers on the planted taste vectors (rows of a flat row-major <c>float[count·dim]</c>).</summary>
internal static class LatentVectors
{
    /// <summary>Fills <paramref name="destination"/> with a uniformly random unit vector.</summary>
    public static void RandomUnit(ref SyntheticRandom random, Span<float> destination)
    {
        for (int i = 0; i < destination.Length; i++) destination[i] = (float)random.NextGaussian();
        Normalise(destination);
    }

    /// <summary>Adds a Gaussian vector with expected squared length <paramref name="scale"/>² to <paramref name="destination"/>.</summary>
    public static void AddGaussian(ref SyntheticRandom random, Span<float> destination, double scale)
    {
        double perDimension = scale / Math.Sqrt(destination.Length);
        for (int i = 0; i < destination.Length; i++) destination[i] += (float)(perDimension * random.NextGaussian());
    }

    /// <summary><c>destination += weight · source</c>.</summary>
    public static void AddScaled(Span<float> destination, ReadOnlySpan<float> source, float weight) =>
        TensorPrimitives.MultiplyAdd(source, weight, destination, destination);

    /// <summary>Scales to length 1 (a zero vector stays zero).</summary>
    public static void Normalise(Span<float> vector)
    {
        float norm = TensorPrimitives.Norm(vector);
        if (norm > 0) TensorPrimitives.Divide(vector, norm, vector);
    }

    /// <summary><paramref name="count"/> random unit vectors of dimension <paramref name="dim"/>, row-major.</summary>
    public static float[] RandomUnits(ref SyntheticRandom random, int count, int dim)
    {
        var vectors = new float[count * dim];
        for (int i = 0; i < count; i++) RandomUnit(ref random, vectors.AsSpan(i * dim, dim));
        return vectors;
    }

    public static Span<float> Row(float[] vectors, int index, int dim) => vectors.AsSpan(index * dim, dim);
}
