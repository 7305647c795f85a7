using OrleansReco.Core.Index;

namespace OrleansReco.Core.Tests.Index;

public sealed class HnswIndexTests(ClusteredIndexFixture fixture) : IClassFixture<ClusteredIndexFixture>
{
    private const int Dim = ClusteredIndexFixture.Dim;

    [Fact]
    public void Search_ReachesRecall095_AgainstBruteForceAtEf64()
    {
        double recall = IndexTestData.RecallAt(fixture.Hnsw, fixture.Exact, fixture.Queries, Dim, k: 10, ef: 64);
        Assert.True(recall >= 0.95, $"recall@10 at ef 64 was {recall:F4}");
    }

    [Fact]
    public void Search_ReturnsBestFirst_WithCosineScores()
    {
        var q = fixture.Queries.AsSpan(0, Dim);
        var hits = fixture.Hnsw.Search(q, 10, 64);
        Assert.Equal(10, hits.Length);
        for (int i = 1; i < hits.Length; i++) Assert.True(hits[i - 1].Score >= hits[i].Score);
        var stored = new float[Dim];
        Assert.True(fixture.Hnsw.TryGetVector(hits[0].Id, stored));
        float dot = System.Numerics.Tensors.TensorPrimitives.CosineSimilarity(q, stored);
        Assert.Equal(dot, hits[0].Score, 4);
    }

    [Fact]
    public void SaveLoad_RoundTrips_ToIdenticalResults()
    {
        using var stream = new MemoryStream();
        fixture.Hnsw.Save(stream);
        stream.Position = 0;
        using var loaded = VectorIndex.Load(stream);
        Assert.Equal(fixture.Hnsw.Count, loaded.Count);
        Assert.Equal(Dim, loaded.Dimension);
        for (int i = 0; i < 50; i++)
        {
            var q = fixture.Queries.AsSpan(i * Dim, Dim);
            Assert.Equal(fixture.Hnsw.Search(q, 10, 32), loaded.Search(q, 10, 32));
        }
    }

    [Fact]
    public void FilteredSearch_ReturnsOnlyAllowedItems_AndKOfThem()
    {
        foreach (int modulus in new[] { 2, 10, 40, 1000 })
        {
            var filter = new BitsetFilter(ClusteredIndexFixture.N);
            for (int id = 0; id < ClusteredIndexFixture.N; id += modulus) filter.Set(id);
            var predicate = new PredicateFilter(id => id % modulus == 0);
            for (int i = 0; i < 20; i++)
            {
                var q = fixture.Queries.AsSpan(i * Dim, Dim);
                foreach (IVectorFilter f in new IVectorFilter[] { filter, predicate })
                {
                    var hits = fixture.Hnsw.Search(q, 10, 32, f);
                    Assert.Equal(10, hits.Length);
                    Assert.All(hits, h => Assert.Equal(0, h.Id % modulus));
                }
            }
        }
    }

    [Fact]
    public void FilteredSearch_ReturnsAllAllowed_WhenFewerThanKExist()
    {
        var filter = new BitsetFilter(ClusteredIndexFixture.N);
        filter.Set(3);
        filter.Set(17_000);
        var hits = fixture.Hnsw.Search(fixture.Queries.AsSpan(0, Dim), 10, 32, filter);
        Assert.Equal(new[] { 3, 17_000 }, hits.Select(h => h.Id).Order().ToArray());
    }

    [Fact]
    public void MarkDeleted_ItemsAreNeverReturned_AndGraphStaysNavigable()
    {
        const int n = 3000, dim = 16;
        var data = IndexTestData.Clustered(n, dim, 30, seed: 11);
        using var index = VectorIndex.Build(VectorMetric.Cosine, dim, Enumerable.Range(0, n).ToArray(), data, new HnswOptions { EfConstruction = 100 }, threads: 2);
        var deleted = new HashSet<int>();
        for (int id = 0; id < n; id += 3) { Assert.True(index.MarkDeleted(id)); deleted.Add(id); }
        Assert.False(index.MarkDeleted(0));
        Assert.False(index.Contains(0));
        Assert.Equal(n - deleted.Count, index.Count);
        for (int i = 0; i < n; i += 7)
        {
            var hits = index.Search(data.AsSpan(i * dim, dim), 10, 50);
            Assert.Equal(10, hits.Length);
            Assert.DoesNotContain(hits, h => deleted.Contains(h.Id));
        }
        using var rebuilt = index.Rebuild(threads: 2);
        Assert.Equal(index.Count, rebuilt.Count);
        Assert.True(rebuilt.MemoryBytes < index.MemoryBytes);
        Assert.DoesNotContain(rebuilt.Search(data.AsSpan(0, dim), 10), h => deleted.Contains(h.Id));
    }

    [Fact]
    public void Update_MovesItem_ToItsNewVector()
    {
        const int dim = 8;
        using var index = VectorIndex.Create(VectorMetric.SquaredL2, dim, new HnswOptions { InitialCapacity = 4 });
        var random = new Random(3);
        for (int id = 0; id < 200; id++)
            index.Add(id, Enumerable.Range(0, dim).Select(_ => (float)random.NextDouble()).ToArray());
        var far = Enumerable.Repeat(50f, dim).ToArray();
        index.Update(5, far);
        var hit = index.Search(far, 1)[0];
        Assert.Equal(5, hit.Id);
        Assert.Equal(0f, hit.Score);
        Assert.Equal(200, index.Count);
        Assert.Single(index.Search(far, 200), h => h.Id == 5);
    }

    [Fact]
    public async Task AddAndSearch_FromSeveralThreads_EndWithValidIndex()
    {
        const int dim = 16, writers = 3, perWriter = 1500;
        var data = IndexTestData.Clustered(writers * perWriter, dim, 20, seed: 5);
        using var index = VectorIndex.Create(VectorMetric.Cosine, dim, new HnswOptions { EfConstruction = 64, InitialCapacity = 16 });
        index.Add(-1, data.AsSpan(0, dim));
        using var stop = new CancellationTokenSource();
        var adders = Enumerable.Range(0, writers).Select(w => Task.Run(() =>
        {
            for (int i = 0; i < perWriter; i++)
            {
                int id = w * perWriter + i;
                index.Add(id, data.AsSpan(id * dim, dim));
                if (i % 100 == 99) index.MarkDeleted(id - 50);
            }
        })).ToArray();
        var searchers = Enumerable.Range(0, 2).Select(s => Task.Run(() =>
        {
            var hits = new SearchHit[10];
            int searches = 0;
            while (!stop.IsCancellationRequested || searches == 0)
            {
                int found = index.Search(data.AsSpan((searches++ % 500) * dim, dim), 10, hits, 32);
                Assert.InRange(found, 1, 10);
            }
        })).ToArray();
        await Task.WhenAll(adders).WaitAsync(TimeSpan.FromSeconds(60));
        stop.Cancel();
        await Task.WhenAll(searchers).WaitAsync(TimeSpan.FromSeconds(60));

        int deletedCount = writers * (perWriter / 100);
        Assert.Equal(writers * perWriter + 1 - deletedCount, index.Count);
        var exact = VectorIndex.CreateBruteForce(VectorMetric.Cosine, dim);
        var vector = new float[dim];
        for (int id = -1; id < writers * perWriter; id++)
            if (index.TryGetVector(id, vector)) exact.Add(id, vector);
        Assert.Equal(index.Count, exact.Count);
        var queries = IndexTestData.Clustered(50, dim, 20, seed: 6);
        Assert.True(IndexTestData.RecallAt(index, exact, queries, dim, 10, 64) >= 0.9);
    }

    [Theory]
    [InlineData(5)]
    [InlineData(16)]
    [InlineData(70)]
    public async Task Add_GrowsAcrossCapacityDoublings_WhileSearching_KeepingVectorsAndLinks(int dim)
    {
        // From capacity 1 to 4096 nodes: twelve doublings, each moving every node's block while a reader searches.
        const int n = 3000;
        var random = new Random(dim);
        var data = new float[n * dim];
        for (int i = 0; i < data.Length; i++) data[i] = IndexTestData.Gaussian(random);
        using var index = VectorIndex.Create(VectorMetric.SquaredL2, dim, new HnswOptions { EfConstruction = 64, InitialCapacity = 1 });
        int added = 0;
        using var stop = new CancellationTokenSource();
        var searcher = Task.Run(() =>
        {
            var hits = new SearchHit[10];
            var stored = new float[dim];
            int searches = 0;
            while (!stop.IsCancellationRequested || searches == 0)
            {
                int visible = Volatile.Read(ref added);
                var q = data.AsSpan((searches++ % n) * dim, dim);
                int found = index.Search(q, 10, hits, 32);
                Assert.InRange(found, Math.Min(1, visible), 10);
                for (int h = 0; h < found; h++)
                {
                    // Every hit's score is the distance to its stored vector: the walk read the vector it reports.
                    Assert.True(index.TryGetVector(hits[h].Id, stored), $"search {searches} returned id {hits[h].Id}, not in the index");
                    float expected = 0;
                    for (int j = 0; j < dim; j++) expected += (q[j] - stored[j]) * (q[j] - stored[j]);
                    Assert.True(Math.Abs(hits[h].Score + expected) <= 1e-4f * (1 + expected),
                        $"search {searches}: id {hits[h].Id} scored {hits[h].Score}, but its stored vector is at {expected}");
                }
            }
            return searches;
        });
        var vector = new float[dim];
        for (int id = 0; id < n; id++)
        {
            index.Add(id, data.AsSpan(id * dim, dim));
            Volatile.Write(ref added, id + 1);
            if ((id & (id + 1)) != 0) continue;
            // Just after a doubling: every vector so far survived the move bit for bit.
            for (int earlier = 0; earlier <= id; earlier++)
            {
                Assert.True(index.TryGetVector(earlier, vector), $"id {earlier} lost after growing to {id + 1} items");
                Assert.True(data.AsSpan(earlier * dim, dim).SequenceEqual(vector), $"vector of id {earlier} changed after growing to {id + 1} items");
            }
        }
        stop.Cancel();
        Assert.True(await searcher.WaitAsync(TimeSpan.FromSeconds(60)) > 0);

        using var exact = VectorIndex.CreateBruteForce(VectorMetric.SquaredL2, dim, n);
        for (int id = 0; id < n; id++) exact.Add(id, data.AsSpan(id * dim, dim));
        var queries = new float[100 * dim];
        for (int i = 0; i < queries.Length; i++) queries[i] = IndexTestData.Gaussian(random);
        double recall = IndexTestData.RecallAt(index, exact, queries, dim, k: 10, ef: 128);
        Assert.True(recall >= 0.95, $"recall@10 at ef 128 after growth was {recall:F4}");

        // One writer builds deterministically, so the same inserts into a never-growing index give the same
        // file, byte for byte: no link row or vector was lost or shifted by a move.
        using var unmoved = VectorIndex.Create(VectorMetric.SquaredL2, dim, new HnswOptions { EfConstruction = 64, InitialCapacity = n });
        for (int id = 0; id < n; id++) unmoved.Add(id, data.AsSpan(id * dim, dim));
        using var grownFile = new MemoryStream();
        using var unmovedFile = new MemoryStream();
        index.Save(grownFile);
        unmoved.Save(unmovedFile);
        Assert.True(grownFile.ToArray().AsSpan().SequenceEqual(unmovedFile.ToArray()), "the grown index saves differently from one built at full capacity");

        grownFile.Position = 0;
        using var loaded = VectorIndex.Load(grownFile);
        for (int i = 0; i < 20; i++)
        {
            var q = queries.AsSpan(i * dim, dim);
            Assert.Equal(index.Search(q, 10, 32), loaded.Search(q, 10, 32));
        }
    }
}
