using OrleansReco.Core.Index;
using OrleansReco.Core.Vectors;

namespace OrleansReco.Core.Tests.Index;

/// <summary>Clustered, L2-normalised test vectors with fixed seeds; within a cluster the spread lies mostly in
/// 8 dimensions, as trained embeddings do (isotropic noise in all dimensions would be an unrealistically hard set).</summary>
internal static class IndexTestData
{
    public static float[] Clustered(int count, int dim, int clusters, int seed)
    {
        var random = new Random(seed);
        var centers = new float[clusters * dim];
        for (int i = 0; i < centers.Length; i++) centers[i] = Gaussian(random);
        var data = new float[count * dim];
        for (int i = 0; i < count; i++)
        {
            int c = random.Next(clusters);
            var row = data.AsSpan(i * dim, dim);
            for (int j = 0; j < dim; j++) row[j] = centers[c * dim + j] * 0.12f + Gaussian(random) * 0.12f;
            VectorMath.NormalizeInPlace(row);
        }
        return data;
    }

    public static float Gaussian(Random random) =>
        (float)(Math.Sqrt(-2.0 * Math.Log(1.0 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble()));

    public static double RecallAt(IVectorIndex index, IVectorIndex exact, float[] queries, int dim, int k, int ef)
    {
        int total = 0, found = 0;
        for (int i = 0; i < queries.Length / dim; i++)
        {
            var q = queries.AsSpan(i * dim, dim);
            var truth = exact.Search(q, k);
            var got = index.Search(q, k, ef);
            var ids = new HashSet<int>(truth.Select(h => h.Id));
            found += got.Count(h => ids.Contains(h.Id));
            total += truth.Length;
        }
        return found / (double)total;
    }
}

/// <summary>One 20k x 16 clustered index shared by the recall tests (built once: about two seconds).</summary>
public sealed class ClusteredIndexFixture : IDisposable
{
    public const int N = 20_000, Dim = 16;
    public float[] Data { get; } = IndexTestData.Clustered(N, Dim, clusters: 200, seed: 7);
    public float[] Queries { get; } = IndexTestData.Clustered(200, Dim, clusters: 200, seed: 8);
    public IVectorIndex Hnsw { get; }
    public IVectorIndex Exact { get; }

    public ClusteredIndexFixture()
    {
        var ids = Enumerable.Range(0, N).ToArray();
        Hnsw = VectorIndex.Build(VectorMetric.Cosine, Dim, ids, Data, new HnswOptions { Seed = 1 }, threads: 2);
        Exact = VectorIndex.CreateBruteForce(VectorMetric.Cosine, Dim, N);
        for (int i = 0; i < N; i++) Exact.Add(i, Data.AsSpan(i * Dim, Dim));
    }

    public void Dispose()
    {
        Hnsw.Dispose();
        Exact.Dispose();
    }
}
