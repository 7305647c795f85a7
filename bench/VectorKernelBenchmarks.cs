using BenchmarkDotNet.Attributes;
using System.Numerics.Tensors;
using OrleansReco.Core.Index;
using OrleansReco.Core.Vectors;

namespace OrleansReco.Bench;

/// <summary>Cost of normalising a tower output of typical dimension.</summary>
[MemoryDiagnoser]
public class VectorKernelBenchmarks
{
    private float[] _source = [];
    private float[] _destination = [];

    [Params(64, 128)]
    public int Dimension { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var rng = new Random(1);
        _source = Enumerable.Range(0, Dimension).Select(_ => (float)rng.NextDouble() - 0.5f).ToArray();
        _destination = new float[Dimension];
    }

    [Benchmark]
    public void Normalize() => VectorMath.Normalize(_source, _destination);
}

/// <summary>
/// The index's hand-written inner product (fixed vector width, inlined into the search loop) against
/// TensorPrimitives.Dot (which the kernels fall back to below 256-bit vectors), and the portable fallback itself.
/// </summary>
public class DotBenchmarks
{
    private float[] _a = [];
    private float[] _b = [];

    [Params(64, 128)]
    public int Dimension { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var rng = new Random(2);
        _a = Enumerable.Range(0, Dimension).Select(_ => (float)rng.NextDouble() - 0.5f).ToArray();
        _b = Enumerable.Range(0, Dimension).Select(_ => (float)rng.NextDouble() - 0.5f).ToArray();
    }

    [Benchmark(Baseline = true)]
    public float HandWritten() => Kernels.Dot(ref _a[0], ref _b[0], Dimension);

    [Benchmark]
    public float TensorPrimitivesDot() => TensorPrimitives.Dot(_a, _b);

    [Benchmark]
    public float PortableFallback() => Kernels.PortableDot(ref _a[0], ref _b[0], Dimension);
}
