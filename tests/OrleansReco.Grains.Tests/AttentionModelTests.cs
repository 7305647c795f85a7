using OrleansReco.Core.Model;
using OrleansReco.GrainInterfaces;
using OrleansReco.GrainInterfaces.Client;

namespace OrleansReco.Grains.Tests;

/// <summary>A cluster serving a bundle whose user tower is the attention encoder.</summary>
[Collection(RedisClusterCollection.Name)]
public sealed class AttentionModelTests(RedisClusterFixture fixture)
{
    [Fact]
    public async Task RecordEvents_AttentionModel_RefreshesEmbeddingOnEveryEventAndServes()
    {
        string path = SmallModel.Write("attention-v1", seed: 77, HistoryAggregation.Attention);
        try
        {
            await using var cluster = await fixture.StartClusterAsync(serviceId: TestData.Unique("svc"),
                settings: new Dictionary<string, string?> { ["Reco:Model:Path"] = path });
            var model = TwoTowerModel.Load(path);
            Assert.Equal(HistoryAggregation.Attention, model.Header.Aggregation);
            var client = new RecoClient(cluster.GrainFactory, TestData.Unique("att"));
            await client.UpsertItemsAsync(TestData.Items(30));
            string userId = TestData.Unique("user");
            var user = cluster.GrainFactory.GetGrain<IUserGrain>(userId);

            var sent = new List<UserEvent>();
            float[] previous = (await user.GetEmbeddingAsync()).Vector;
            foreach (var e in new[] { TestData.Event("item-1"), TestData.Event("item-2", type: "purchase"), TestData.Event("item-3", type: "view") })
            {
                var ack = await client.SendEventsAsync(userId, e);
                Assert.Equal("attention-v1", ack.ModelVersion);
                sent.Add(e);
                var context = await user.GetContextAsync();
                var expected = new float[model.Dimension];
                model.EmbedUser(null, sent.Select(x => new HistoryEvent(x.ItemId, x.EventType, x.Value, x.Timestamp)).ToArray(), 0, expected);
                Assert.Equal(expected, context.Vector, (a, b) => Math.Abs(a - b) < 1e-5f);
                Assert.NotEqual(previous, context.Vector);
                previous = context.Vector;
            }

            var recommended = await client.RecommendAsync(userId, new RecommendQuery(K: 5));
            Assert.Equal("attention-v1", recommended.ModelVersion);
            Assert.Equal(5, recommended.Items.Length);
            Assert.DoesNotContain(recommended.Items, i => i.ItemId is "item-1" or "item-2" or "item-3");
        }
        finally
        {
            File.Delete(path);
        }
    }
}
