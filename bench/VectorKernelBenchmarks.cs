using BenchmarkDotNet.Attributes;
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
