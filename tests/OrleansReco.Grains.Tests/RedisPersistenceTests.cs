using OrleansReco.GrainInterfaces;
using OrleansReco.GrainInterfaces.Client;

namespace OrleansReco.Grains.Tests;

[Collection(RedisClusterCollection.Name)]
public sealed class RedisPersistenceTests(RedisClusterFixture fixture)
{
    [Fact]
    public async Task UserAndShardState_ClusterRestartOnRedis_Survive()
    {
        var repeated = TestData.Event("item-2", eventId: "evt-repeated");
        UserContext contextBefore;
        Recommendations answerBefore;
        ShardStats[] statsBefore;
        await using (var first = await fixture.StartClusterAsync())
        {
            var client = new RecoClient(first.GrainFactory, "persisted");
            await client.UpsertItemsAsync(TestData.Items(60));
            await client.RemoveItemsAsync("item-10");
            await client.UpsertItemsAsync(TestData.Item(11, available: false));
            await client.SetProfileAsync("alice", new Dictionary<string, string> { ["age_group"] = "26-40" });
            await client.SendEventsAsync("alice", repeated, TestData.Event("item-7"));
            contextBefore = await first.GrainFactory.GetGrain<IUserGrain>("alice").GetContextAsync();
            answerBefore = await client.RecommendAsync("alice", new RecommendQuery(K: 100));
            statsBefore = await first.GrainFactory.GetGrain<ICatalogGrain>("persisted").GetStatsAsync();
            await first.StopAllSilosAsync();
        }

        await using var second = await fixture.StartClusterAsync();
        var again = new RecoClient(second.GrainFactory, "persisted");
        var context = await second.GrainFactory.GetGrain<IUserGrain>("alice").GetContextAsync();
        Assert.True(contextBefore.SeenItemIds.SequenceEqual(context.SeenItemIds), "Restart: the user's events were not restored from Redis.");
        Assert.Equal(contextBefore.Profile, context.Profile);
        Assert.Equal(contextBefore.Vector, context.Vector);
        Assert.Equal(2, context.EventCount);

        var stats = await second.GrainFactory.GetGrain<ICatalogGrain>("persisted").GetStatsAsync();
        Assert.Equal(statsBefore.Select(s => s.Items), stats.Select(s => s.Items));
        var answer = await again.RecommendAsync("alice", new RecommendQuery(K: 100));
        // Same items in the same order; scores equal up to float rounding (the rebuilt index holds the same vectors
        // in other slots, and a cosine score is read back as 1 - distance, about 6e-8 apart near 1).
        Assert.Equal(answerBefore.Items.Select(i => i.ItemId), answer.Items.Select(i => i.ItemId));
        Assert.All(answerBefore.Items.Zip(answer.Items), p => Assert.Equal(p.First.Score, p.Second.Score, 1e-6f));
        Assert.DoesNotContain(answer.Items, i => i.ItemId is "item-10" or "item-11" or "item-2" or "item-7");
        Assert.Equal(56, answer.Items.Length);

        var ack = await again.SendEventsAsync("alice", repeated);
        Assert.True(ack.Duplicates == 1, "Restart: the event-id window was not restored, a repeated event was accepted.");
    }

    [Fact]
    public async Task BinaryStateFormat_StoredInOrleansBinary_SurvivesRestart()
    {
        string service = TestData.Unique("binsvc");
        var binary = new Dictionary<string, string?> { ["Reco:Cluster:StateFormat"] = "Binary" };
        await using (var first = await fixture.StartClusterAsync(serviceId: service, settings: binary))
        {
            var client = new RecoClient(first.GrainFactory, "bin");
            await client.SetProfileAsync("bob", new Dictionary<string, string> { ["age_group"] = "41+" });
            await client.SendEventsAsync("bob", TestData.Event("item-3", eventId: "evt-b1"), TestData.Event("item-4"));
            await first.StopAllSilosAsync();
        }
        await using var redis = await StackExchange.Redis.ConnectionMultiplexer.ConnectAsync(fixture.Redis.ConnectionString);
        var server = redis.GetServer(redis.GetEndPoints()[0]);
        var key = server.Keys(pattern: $"{service}/state/*bob*").Single();
        var data = (byte[])(await redis.GetDatabase().HashGetAsync(key, "data"))!;
        Assert.NotEqual((byte)'{', data[0]);

        await using var second = await fixture.StartClusterAsync(serviceId: service, settings: binary);
        var context = await second.GrainFactory.GetGrain<IUserGrain>("bob").GetContextAsync();
        Assert.Equal(["item-3", "item-4"], context.SeenItemIds);
        Assert.Equal("41+", context.Profile["age_group"]);
        var ack = await new RecoClient(second.GrainFactory, "bin").SendEventsAsync("bob", TestData.Event("item-3", eventId: "evt-b1"));
        Assert.Equal(1, ack.Duplicates);
    }
}
