using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace OrleansReco.Core.Index;

/// <summary>
/// A metric as a struct type parameter: the index is generic over it, so the JIT specialises the
/// search loop per metric and no call branches on the metric. Distances: lower is closer.
/// </summary>
internal interface IDistance
{
    /// <summary>The public name of this metric.</summary>
    static abstract VectorMetric Metric { get; }

    /// <summary>True when stored vectors and queries are L2-normalised.</summary>
    static abstract bool Normalizes { get; }

    /// <summary>Distance between the <paramref name="length"/> floats at <paramref name="a"/> and <paramref name="b"/>.</summary>
    static abstract float Distance(ref float a, ref float b, int length);

    /// <summary>Maps a distance to the public score (higher is better).</summary>
    static abstract float ToScore(float distance);
}

/// <summary>Cosine on normalised vectors: distance <c>1 - dot(a, b)</c>, score <c>dot(a, b)</c>.</summary>
internal readonly struct CosineDistance : IDistance
{
    public static VectorMetric Metric => VectorMetric.Cosine;
    public static bool Normalizes => true;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Distance(ref float a, ref float b, int length) => 1f - Kernels.Dot(ref a, ref b, length);

    public static float ToScore(float distance) => 1f - distance;
}

/// <summary>Squared Euclidean distance; score is its negation.</summary>
internal readonly struct SquaredL2Distance : IDistance
{
    public static VectorMetric Metric => VectorMetric.SquaredL2;
    public static bool Normalizes => false;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Distance(ref float a, ref float b, int length) => Kernels.SquaredL2(ref a, ref b, length);

    public static float ToScore(float distance) => -distance;
}

/// <summary>
/// Hand-written kernels at fixed 512- and 256-bit widths where TensorPrimitives has no single fused call, and
/// TensorPrimitives itself on machines with narrower vectors (ARM64's 128-bit NEON).
/// </summary>
internal static class Kernels
{
    /// <summary>
    /// Inner product with the vector width fixed inline (TensorPrimitives.Dot takes spans and dispatches per
    /// call, which costs about a third of a 64-float product in the search loop). Two accumulators halve the
    /// chain of dependent multiply-adds; the lanes are summed by halving (512 to 256 to 128 bits) rather than
    /// lane by lane.
    /// Scalar equivalent: <c>sum_i a[i] * b[i]</c>; checked against TensorPrimitives.Dot in the tests.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Dot(ref float a, ref float b, int length)
    {
        int i = 0;
        float sum = 0f;
        if (Vector512.IsHardwareAccelerated && length >= 16)
        {
            var acc0 = Vector512<float>.Zero;
            var acc1 = Vector512<float>.Zero;
            for (; i <= length - 32; i += 32)
            {
                acc0 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref a, (nuint)i), Vector512.LoadUnsafe(ref b, (nuint)i), acc0);
                acc1 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref a, (nuint)(i + 16)), Vector512.LoadUnsafe(ref b, (nuint)(i + 16)), acc1);
            }
            if (i <= length - 16)
            {
                acc0 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref a, (nuint)i), Vector512.LoadUnsafe(ref b, (nuint)i), acc0);
                i += 16;
            }
            sum = Sum(acc0 + acc1);
        }
        else if (Vector256.IsHardwareAccelerated && length >= 8)
        {
            var acc0 = Vector256<float>.Zero;
            var acc1 = Vector256<float>.Zero;
            for (; i <= length - 16; i += 16)
            {
                acc0 = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref a, (nuint)i), Vector256.LoadUnsafe(ref b, (nuint)i), acc0);
                acc1 = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref a, (nuint)(i + 8)), Vector256.LoadUnsafe(ref b, (nuint)(i + 8)), acc1);
            }
            if (i <= length - 8)
            {
                acc0 = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref a, (nuint)i), Vector256.LoadUnsafe(ref b, (nuint)i), acc0);
                i += 8;
            }
            sum = Sum(acc0 + acc1);
        }
        else if (!Vector256.IsHardwareAccelerated && length >= PortableFrom) return PortableDot(ref a, ref b, length);
        for (; i < length; i++) sum += Unsafe.Add(ref a, i) * Unsafe.Add(ref b, i);
        return sum;
    }

    /// <summary>
    /// Below 256-bit vectors (ARM64's 128-bit NEON, or x64 without AVX2) the kernels hand whole runs from this length
    /// on to TensorPrimitives, which vectorises them at the width the machine has, rather than to the scalar loop.
    /// </summary>
    internal const int PortableFrom = 4;

    /// <summary>The inner product by TensorPrimitives.Dot: the kernel where neither 512- nor 256-bit vectors are accelerated.</summary>
    internal static float PortableDot(ref float a, ref float b, int length) =>
        TensorPrimitives.Dot(MemoryMarshal.CreateReadOnlySpan(ref a, length), MemoryMarshal.CreateReadOnlySpan(ref b, length));

    /// <summary>The squared Euclidean distance by TensorPrimitives.Distance: the kernel where neither 512- nor 256-bit vectors are accelerated.</summary>
    internal static float PortableSquaredL2(ref float a, ref float b, int length)
    {
        float distance = TensorPrimitives.Distance(MemoryMarshal.CreateReadOnlySpan(ref a, length), MemoryMarshal.CreateReadOnlySpan(ref b, length));
        return distance * distance;
    }

    /// <summary>Sum of the lanes, by adding halves. Scalar equivalent: <c>sum_i v[i]</c> (in another order).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Sum(Vector512<float> v) => Sum(v.GetLower() + v.GetUpper());

    /// <summary>Sum of the lanes, by adding halves. Scalar equivalent: <c>sum_i v[i]</c> (in another order).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Sum(Vector256<float> v)
    {
        var half = v.GetLower() + v.GetUpper();
        var quarter = half + Vector128.Shuffle(half, Vector128.Create(2, 3, 0, 1));
        return (quarter + Vector128.Shuffle(quarter, Vector128.Create(1, 0, 3, 2))).ToScalar();
    }

    /// <summary>
    /// Squared L2 distance in one pass (subtract, square and sum fused), with two accumulators and the lane
    /// sum by halving, as in <see cref="Dot"/>.
    /// Scalar equivalent: <c>sum_i (a[i] - b[i])^2</c>. Callers guarantee both runs hold <paramref name="length"/> floats.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float SquaredL2(ref float a, ref float b, int length)
    {
        int i = 0;
        float sum = 0f;
        if (Vector512.IsHardwareAccelerated && length >= 16)
        {
            var acc0 = Vector512<float>.Zero;
            var acc1 = Vector512<float>.Zero;
            for (; i <= length - 32; i += 32)
            {
                var diff0 = Vector512.LoadUnsafe(ref a, (nuint)i) - Vector512.LoadUnsafe(ref b, (nuint)i);
                var diff1 = Vector512.LoadUnsafe(ref a, (nuint)(i + 16)) - Vector512.LoadUnsafe(ref b, (nuint)(i + 16));
                acc0 = Vector512.FusedMultiplyAdd(diff0, diff0, acc0);
                acc1 = Vector512.FusedMultiplyAdd(diff1, diff1, acc1);
            }
            if (i <= length - 16)
            {
                var diff = Vector512.LoadUnsafe(ref a, (nuint)i) - Vector512.LoadUnsafe(ref b, (nuint)i);
                acc0 = Vector512.FusedMultiplyAdd(diff, diff, acc0);
                i += 16;
            }
            sum = Sum(acc0 + acc1);
        }
        else if (Vector256.IsHardwareAccelerated && length >= 8)
        {
            var acc0 = Vector256<float>.Zero;
            var acc1 = Vector256<float>.Zero;
            for (; i <= length - 16; i += 16)
            {
                var diff0 = Vector256.LoadUnsafe(ref a, (nuint)i) - Vector256.LoadUnsafe(ref b, (nuint)i);
                var diff1 = Vector256.LoadUnsafe(ref a, (nuint)(i + 8)) - Vector256.LoadUnsafe(ref b, (nuint)(i + 8));
                acc0 = Vector256.FusedMultiplyAdd(diff0, diff0, acc0);
                acc1 = Vector256.FusedMultiplyAdd(diff1, diff1, acc1);
            }
            if (i <= length - 8)
            {
                var diff = Vector256.LoadUnsafe(ref a, (nuint)i) - Vector256.LoadUnsafe(ref b, (nuint)i);
                acc0 = Vector256.FusedMultiplyAdd(diff, diff, acc0);
                i += 8;
            }
            sum = Sum(acc0 + acc1);
        }
        else if (!Vector256.IsHardwareAccelerated && length >= PortableFrom) return PortableSquaredL2(ref a, ref b, length);
        for (; i < length; i++)
        {
            float diff = Unsafe.Add(ref a, i) - Unsafe.Add(ref b, i);
            sum += diff * diff;
        }
        return sum;
    }
}
