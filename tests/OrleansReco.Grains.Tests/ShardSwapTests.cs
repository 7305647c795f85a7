using System.Collections.Concurrent;
using System.Numerics.Tensors;
using OrleansReco.Core.Model;
using OrleansReco.GrainInterfaces;
using OrleansReco.GrainInterfaces.Client;
using OrleansReco.Grains.Model;

namespace OrleansReco.Grains.Tests;

/// <summary>Shards swap to a published model without disturbing queries in flight.</summary>
[Collection(LifecycleCollection.Name)]
public sealed class ShardSwapTests(LifecycleFixture fixture)
{
    private const int Items = 40;

    [Fact]
    public async Task Publish_DuringQueryLoop_NoErrorAndEveryAnswerFromOneVersion_RollbackRestoresAnswers()
    {
        var grains = fixture.Cluster.GrainFactory;
        var registry = grains.Registry();
        var first = SmallModel.Create(TestData.Unique("swapA"), seed: 31);
        var second = SmallModel.Create(TestData.Unique("swapB"), seed: 32);
        await registry.PublishAsync(first.ToBytes(), "tests", null);
        var client = await TestData.NewCatalogAsync(grains, Items, "swap");
        string userId = TestData.Unique("user");
        await client.SendEventsAsync(userId, TestData.Event("item-1"));
        var query = new RecommendQuery(K: 8);
        var expected = new Dictionary<string, Expected>
        {
            [first.Header.Version] = new(new TwoTowerModel(first)),
            [second.Header.Version] = new(new TwoTowerModel(second)),
        };

        var before = await client.RecommendAsync(userId, query);
        Assert.Equal(first.Header.Version, before.ModelVersion);
        Assert.False(before.Partial);
        expected[before.ModelVersion].AssertFrom(before);

        var answers = new ConcurrentBag<Recommendations>();
        var errors = new ConcurrentBag<Exception>();
        using var stop = new CancellationTokenSource();
        var loops = Enumerable.Range(0, 4).Select(_ => Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                try { answers.Add(await client.RecommendAsync(userId, query)); }
                catch (Exception e) { errors.Add(e); }
            }
        })).ToArray();
        await registry.PublishAsync(second.ToBytes(), "tests", null);
        var during = await client.RecommendAsync(userId, query);
        await registry.RollbackAsync(first.Header.Version, "tests");
        await stop.CancelAsync();
        await Task.WhenAll(loops);

        Assert.Empty(errors);
        Assert.NotEmpty(answers);
        Assert.Equal(second.Header.Version, during.ModelVersion);
        foreach (var answer in answers.Append(during))
        {
            Assert.True(expected.ContainsKey(answer.ModelVersion), $"Answer with unknown model version '{answer.ModelVersion}'.");
            expected[answer.ModelVersion].AssertFrom(answer);
        }

        var after = await client.RecommendAsync(userId, query);
        Assert.Equal(first.Header.Version, after.ModelVersion);
        Assert.False(after.Partial);
        Assert.Equal(before.Items, after.Items);
        // Shards re-embed and swap their indexes in the background: wait (bounded) for the rolled-back version everywhere.
        var catalog = grains.GetGrain<ICatalogGrain>(client.Catalog);
        var stats = await catalog.GetStatsAsync();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (stats.Any(s => s.ModelVersion != first.Header.Version) && clock.Elapsed < TimeSpan.FromSeconds(30))
        {
            await Task.Delay(50);
            stats = await catalog.GetStatsAsync();
        }
        Assert.All(stats, s => Assert.Equal(first.Header.Version, s.ModelVersion));
        Assert.Equal(Items, stats.Sum(s => s.Items));
    }

    /// <summary>Scores a model gives: the user (one click on item-1) against each test item.</summary>
    private sealed class Expected
    {
        private readonly Dictionary<string, float> _scores = new(StringComparer.Ordinal);

        public Expected(TwoTowerModel model)
        {
            var user = new float[model.Dimension];
            model.EmbedUser(null, [new HistoryEvent("item-1", "click", 1f, 0)], 0, user);
            var item = new float[model.Dimension];
            for (int i = 0; i < Items; i++)
            {
                var data = TestData.Item(i);
                model.EmbedItem(data.ItemId, FeatureRows.ToRow(model.ItemColumns, data.Features), item);
                _scores[data.ItemId] = TensorPrimitives.CosineSimilarity(user, item);
            }
        }

        /// <summary>Every item of <paramref name="answer"/> scored as this model scores it.</summary>
        public void AssertFrom(Recommendations answer)
        {
            Assert.NotEmpty(answer.Items);
            foreach (var item in answer.Items)
                Assert.True(Math.Abs(_scores[item.ItemId] - item.Score) < 1e-4f,
                    $"Answer for model {answer.ModelVersion}: {item.ItemId} scored {item.Score}, that model gives {_scores[item.ItemId]}.");
        }
    }
}
