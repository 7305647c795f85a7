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

        var next = new TwoTowerModel(TestModel.Create("redis-v2", seed: 4242));
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
