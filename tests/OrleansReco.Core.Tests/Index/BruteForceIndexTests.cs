using System.Numerics.Tensors;
using OrleansReco.Core.Index;

namespace OrleansReco.Core.Tests.Index;

public sealed class BruteForceIndexTests
{
    [Fact]
    public void Search_MatchesScalarReference_ForSmallIndex()
    {
        const int n = 300, dim = 10;
        var data = IndexTestData.Clustered(n, dim, 5, seed: 2);
        using var index = VectorIndex.CreateBruteForce(VectorMetric.Cosine, dim);
        for (int i = 0; i < n; i++) index.Add(i, data.AsSpan(i * dim, dim));
        var q = data.AsSpan(17 * dim, dim).ToArray();
        var expected = Enumerable.Range(0, n).Select(i => (Id: i, Score: TensorPrimitives.Dot(q, data.AsSpan(i * dim, dim))))
            .OrderByDescending(x => x.Score).Take(5).ToArray();
        var hits = index.Search(q, 5);
        Assert.Equal(expected.Select(e => e.Id), hits.Select(h => h.Id));
        for (int i = 0; i < 5; i++) Assert.Equal(expected[i].Score, hits[i].Score, 4);
    }

    [Fact]
    public void MarkDeletedAndSaveLoad_KeepExactResults()
    {
        const int n = 200, dim = 6;
        var data = IndexTestData.Clustered(n, dim, 5, seed: 4);
        using var index = VectorIndex.CreateBruteForce(VectorMetric.SquaredL2, dim, 8);
        for (int i = 0; i < n; i++) index.Add(i, data.AsSpan(i * dim, dim));
        Assert.True(index.MarkDeleted(17));
        Assert.DoesNotContain(index.Search(data.AsSpan(17 * dim, dim), 10), h => h.Id == 17);
        using var stream = new MemoryStream();
        index.Save(stream);
        stream.Position = 0;
        using var loaded = VectorIndex.Load(stream);
        Assert.Equal(index.Search(data.AsSpan(0, dim), 20), loaded.Search(data.AsSpan(0, dim), 20));
    }

    [Fact]
    public void Dot_MatchesTensorPrimitives_ForOddLengths()
    {
        var random = new Random(9);
        foreach (int length in new[] { 1, 7, 8, 15, 16, 24, 31, 32, 33, 48, 64, 100, 128 })
        {
            var a = Enumerable.Range(0, length).Select(_ => (float)random.NextDouble() - 0.5f).ToArray();
            var b = Enumerable.Range(0, length).Select(_ => (float)random.NextDouble() - 0.5f).ToArray();
            Assert.Equal(TensorPrimitives.Dot(a, b), Kernels.Dot(ref a[0], ref b[0], length), 4);
            float l2 = 0;
            for (int i = 0; i < length; i++) l2 += (a[i] - b[i]) * (a[i] - b[i]);
            Assert.Equal(l2, Kernels.SquaredL2(ref a[0], ref b[0], length), 4);
        }
    }

    [Fact]
    public void PortableKernels_UsedBelow256BitVectors_MatchTheScalarSums()
    {
        var random = new Random(10);
        foreach (int length in new[] { Kernels.PortableFrom, 5, 7, 16, 33, 64, 100, 128 })
        {
            var a = Enumerable.Range(0, length).Select(_ => (float)random.NextDouble() - 0.5f).ToArray();
            var b = Enumerable.Range(0, length).Select(_ => (float)random.NextDouble() - 0.5f).ToArray();
            float dot = 0, l2 = 0;
            for (int i = 0; i < length; i++)
            {
                dot += a[i] * b[i];
                l2 += (a[i] - b[i]) * (a[i] - b[i]);
            }
            Assert.Equal(dot, Kernels.PortableDot(ref a[0], ref b[0], length), 4);
            Assert.Equal(l2, Kernels.PortableSquaredL2(ref a[0], ref b[0], length), 4);
        }
    }
}
