using Microsoft.Extensions.DependencyInjection;
using Orleans.TestingHost;
using OrleansReco.Core.Model;
using OrleansReco.GrainInterfaces;
using OrleansReco.GrainInterfaces.Client;
using OrleansReco.Grains.Model;

namespace OrleansReco.Grains.Tests;

[Collection(RedisClusterCollection.Name)]
public sealed class ModelVersionTests(RedisClusterFixture fixture)
{
    [Fact]
    public async Task Query_AfterModelVersionMoved_UsersAndShardsRefreshWithoutNewEvents()
    {
        await using var cluster = await fixture.StartClusterAsync();
        var client = new RecoClient(cluster.GrainFactory, TestData.Unique("swap"));
        await client.UpsertItemsAsync(TestData.Items(40));
        string userId = TestData.Unique("user");
        await client.SendEventsAsync(userId, TestData.Event("item-1"));
        var before = await client.RecommendAsync(userId, new RecommendQuery(K: 5));
        Assert.Equal("redis-v1", before.ModelVersion);

        var next = new TwoTowerModel(SmallModel.Create("redis-v2", seed: 4242));
        foreach (var silo in cluster.Silos.Cast<InProcessSiloHandle>())
            silo.SiloHost.Services.GetRequiredService<ModelCache>().Publish(next);

        var embedding = await cluster.GrainFactory.GetGrain<IUserGrain>(userId).GetEmbeddingAsync();
        Assert.Equal("redis-v2", embedding.ModelVersion);
        var after = await client.RecommendAsync(userId, new RecommendQuery(K: 5));
        Assert.Equal("redis-v2", after.ModelVersion);
        Assert.NotEqual(before.Items, after.Items);
        var stats = await cluster.GrainFactory.GetGrain<ICatalogGrain>(client.Catalog).GetStatsAsync();
        Assert.All(stats, s => Assert.Equal("redis-v2", s.ModelVersion));
        Assert.Equal(40, stats.Sum(s => s.Items));
    }
}

[Collection(RedisClusterCollection.Name)]
public sealed class NoModelTests(RedisClusterFixture fixture)
{
    [Fact]
    public async Task RecordEvents_NoModelLoaded_PersistedAndEmbeddedOnceModelArrives()
    {
        // A service of its own: the fixture's other clusters registered their model in the shared registry.
        await using var cluster = await fixture.StartClusterAsync(withModel: false, serviceId: TestData.Unique("svc"));
        var client = new RecoClient(cluster.GrainFactory, TestData.Unique("nomodel"));
        string userId = TestData.Unique("user");

        var ack = await client.SendEventsAsync(userId, TestData.Event("item-1"), TestData.Event("item-2"));
        Assert.Equal(2, ack.Accepted);
        Assert.Equal("", ack.ModelVersion);
        await Assert.ThrowsAsync<ModelUnavailableException>(() => client.RecommendAsync(userId));

        var model = TwoTowerModel.Load(fixture.ModelPath);
        foreach (var silo in cluster.Silos.Cast<InProcessSiloHandle>())
            silo.SiloHost.Services.GetRequiredService<ModelCache>().Publish(model);

        var context = await cluster.GrainFactory.GetGrain<IUserGrain>(userId).GetContextAsync();
        Assert.Equal(model.Version, context.ModelVersion);
        Assert.Equal(["item-1", "item-2"], context.SeenItemIds);
        var expected = new float[model.Dimension];
        model.EmbedUser(null, [new HistoryEvent("item-1", "click", 1f, 0), new HistoryEvent("item-2", "click", 1f, 0)], 0, expected);
        Assert.Equal(expected, context.Vector, (a, b) => Math.Abs(a - b) < 1e-5f);
    }
}
