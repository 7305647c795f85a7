using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Orleans.Storage;
using Orleans.TestingHost;
using OrleansReco.GrainInterfaces;
using OrleansReco.GrainInterfaces.Client;
using OrleansReco.Grains.Items;
using OrleansReco.Grains.Users;
using OrleansReco.Silo.Storage;
using StackExchange.Redis;
using Xunit.Abstractions;

namespace OrleansReco.Grains.Tests;

[Collection(RedisClusterCollection.Name)]
public sealed class RedisPersistenceTests(RedisClusterFixture fixture, ITestOutputHelper output)
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

        await using (var redis = await ConnectAsync())
        {
            var keys = redis.GetServer(redis.GetEndPoints()[0]).Keys(pattern: $"{fixture.ServiceId}*").Select(k => k.ToString()).ToList();
            Assert.Contains($"{fixture.ServiceId}:user:{{alice}}", keys);
            Assert.Contains(keys, k => k.StartsWith($"{fixture.ServiceId}:items:{{persisted/", StringComparison.Ordinal));
            Assert.Empty(PreviousLayoutKeys(redis.GetServer(redis.GetEndPoints()[0]), fixture.ServiceId));
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

    [Theory]
    [InlineData("Json")]
    [InlineData("Binary")]
    public async Task PreviousLayout_ReadOnActivation_MovedToTheStoresAndCleared(string format)
    {
        string service = TestData.Unique("prev");
        var settings = new Dictionary<string, string?> { ["Reco:Cluster:StateFormat"] = format, ["Reco:Shards:Count"] = "1" };
        await using var redis = await ConnectAsync();
        var server = redis.GetServer(redis.GetEndPoints()[0]);
        await using (var first = await fixture.StartClusterAsync(serviceId: service, settings: settings))
        {
            // What the previous release wrote: one Orleans grain-storage record per user and per shard.
            var silo = ((InProcessSiloHandle)first.Primary!).SiloHost.Services;
            var user = new UserState { Profile = { ["age_group"] = "41+" }, EventCount = 3, RecentEventIds = ["old-1", "old-2"] };
            user.Events.AddRange([new StoredEvent("item-3", "click", 1f, 100, "old-1"), new StoredEvent("item-4", "view", 1f, 101, "old-2"), new StoredEvent("item-5", "view", 1f, 102)]);
            await silo.GetRequiredKeyedService<IGrainStorage>(StorageNames.Users)
                .WriteStateAsync("user", first.GrainFactory.GetGrain<IUserGrain>("bob").GetGrainId(), new GrainState<UserState>(user));
            var shard = new ItemShardState();
            foreach (var item in TestData.Items(30)) shard.Items[item.ItemId] = StoredItem.From(item);
            await silo.GetRequiredKeyedService<IGrainStorage>(StorageNames.Shards)
                .WriteStateAsync("shard", first.GrainFactory.Shard("old", 0).GetGrainId(), new GrainState<ItemShardState>(shard));
            Assert.Equal(2, PreviousLayoutKeys(server, service).Count);

            var history = await first.GrainFactory.GetGrain<IUserGrain>("bob").GetHistoryAsync();
            Assert.Equal(["item-3", "item-4", "item-5"], history.Events.Select(e => e.ItemId));
            Assert.Equal(3, history.EventCount);
            Assert.Equal("41+", history.Profile["age_group"]);
            var page = await first.GrainFactory.Shard("old", 0).ListItemsAsync(0, 100);
            Assert.Equal(30, page.Total);
            Assert.Empty(PreviousLayoutKeys(server, service));
            await first.StopAllSilosAsync();
        }

        await using var second = await fixture.StartClusterAsync(serviceId: service, settings: settings);
        var ack = await new RecoClient(second.GrainFactory, "old").SendEventsAsync("bob", TestData.Event("item-3", eventId: "old-2"), TestData.Event("item-6"));
        Assert.True(ack.Accepted == 1 && ack.Duplicates == 1, $"Moved user: accepted {ack.Accepted}, duplicates {ack.Duplicates}.");
        var items = await second.GrainFactory.Shard("old", 0).ListItemsAsync(0, 100);
        Assert.Equal(TestData.Items(30).Select(i => i.ItemId).Order(StringComparer.Ordinal), items.Items.Select(i => i.ItemId));
        Assert.Equal("film", items.Items.Single(i => i.ItemId == "item-7").Metadata!["product_type"]);
    }

    [Fact]
    public async Task UserLog_LeftByACrash_ReplayedOnActivation()
    {
        string service = TestData.Unique("crash");
        await using var redis = await ConnectAsync();
        // What a silo killed between two snapshots leaves: a snapshot and the batches appended after it.
        var store = new RedisUserStore(redis, Options.Create(new Orleans.Configuration.ClusterOptions { ServiceId = service }));
        var snapshot = new UserData();
        snapshot.Add(new EventRecord("item-1", "view", 1f, 10, "in-snapshot"));
        long v = await store.WriteSnapshotAsync("carol", 0, snapshot);
        v = await store.AppendAsync("carol", v, 0, new[] { new EventRecord("item-2", "click", 1f, 11, "in-log-1") });
        await store.AppendAsync("carol", v, 0, new[] { new EventRecord("item-3", "click", 1f, 12, "in-log-2"), new EventRecord("item-4", "view", 1f, 13, null) });

        await using var cluster = await fixture.StartClusterAsync(serviceId: service);
        var user = cluster.GrainFactory.GetGrain<IUserGrain>("carol");
        var context = await user.GetContextAsync();
        Assert.Equal(["item-1", "item-2", "item-3", "item-4"], context.SeenItemIds);
        Assert.Equal(4, context.EventCount);
        var ack = await user.RecordEventsAsync([TestData.Event("x", eventId: "in-snapshot"), TestData.Event("x", eventId: "in-log-1"), TestData.Event("x", eventId: "in-log-2")]);
        Assert.True(ack.Accepted == 0 && ack.Duplicates == 3, $"Replayed user: accepted {ack.Accepted}, duplicates {ack.Duplicates}.");
    }

    [Fact]
    public async Task Shard_MoreItemsThanOneScanPage_ReloadsIntact_AndAnUpsertWritesOnlyItsEntry()
    {
        string service = TestData.Unique("items");
        int count = RedisItemShardStore.ScanPageSize * 2 + 500;
        var settings = new Dictionary<string, string?> { ["Reco:Shards:Count"] = "1" };
        var items = Enumerable.Range(0, count).Select(i => TestData.Item(i, available: i % 7 != 0)).ToArray();
        await using var redis = await ConnectAsync();
        var db = redis.GetDatabase();
        string key = new RedisItemShardStore(redis, Options.Create(new Orleans.Configuration.ClusterOptions { ServiceId = service })).ShardKey("big/0");
        await using (var first = await fixture.StartClusterAsync(serviceId: service, settings: settings))
        {
            var client = new RecoClient(first.GrainFactory, "big");
            for (int i = 0; i < count; i += 500) await client.UpsertItemsAsync(items[i..Math.Min(count, i + 500)]);
            Assert.Equal(count, (int)await db.HashLengthAsync(key));

            var before = (await db.HashGetAllAsync(key)).ToDictionary(e => e.Name.ToString(), e => (byte[])e.Value!);
            long inputBefore = await InputBytesAsync(redis);
            await client.UpsertItemsAsync(TestData.Item(5, available: false));
            long written = await InputBytesAsync(redis) - inputBefore;
            var after = (await db.HashGetAllAsync(key)).ToDictionary(e => e.Name.ToString(), e => (byte[])e.Value!);
            Assert.Equal(before.Keys.Order(), after.Keys.Order());
            Assert.Equal(["item-5"], before.Keys.Where(k => !before[k].AsSpan().SequenceEqual(after[k])));
            long shardBytes = before.Sum(e => e.Key.Length + e.Value.Length);
            Assert.True(written < shardBytes / 20, $"Upserting one item sent {written} bytes to Redis; the shard holds {shardBytes}.");
            await first.StopAllSilosAsync();
        }

        await using var second = await fixture.StartClusterAsync(serviceId: service, settings: settings);
        var page = await second.GrainFactory.Shard("big", 0).ListItemsAsync(0, count);
        Assert.Equal(count, page.Total);
        var expected = items.ToDictionary(i => i.ItemId);
        expected["item-5"] = TestData.Item(5, available: false);
        foreach (var item in page.Items)
        {
            var want = expected[item.ItemId];
            Assert.True(want.Available == item.Available && want.Features!.SequenceEqual(item.Features!) && want.Metadata!.SequenceEqual(item.Metadata!),
                $"Item {item.ItemId} came back changed after the restart.");
        }
        Assert.Equal(count, (await second.GrainFactory.Shard("big", 0).GetStatsAsync()).Items);
    }

    [Fact]
    public async Task RecordEvents_UserWith200EventHistory_WritesAtMost1KBPerEventToRedis()
    {
        string service = TestData.Unique("bytes");
        await using var redis = await ConnectAsync();
        await using var cluster = await fixture.StartClusterAsync(serviceId: service);
        var user = cluster.GrainFactory.GetGrain<IUserGrain>("dave");
        for (int i = 0; i < 250; i += 50)
            await user.RecordEventsAsync(Enumerable.Range(i, 50).Select(j => TestData.Event($"item-{j % 60}", eventId: $"warm-{j:D6}-{Guid.NewGuid():N}")).ToArray());
        Assert.Equal(200, (await user.GetHistoryAsync()).Events.Length);

        const int events = 300;
        long before = await InputBytesAsync(redis);
        for (int i = 0; i < events; i++) await user.RecordEventsAsync([TestData.Event($"item-{i % 60}", eventId: $"evt-{i:D6}-{Guid.NewGuid():N}")]);
        double perEvent = (await InputBytesAsync(redis) - before) / (double)events;
        output.WriteLine($"Redis input per event, 200-event history, {events} single-event batches: {perEvent:F0} bytes");
        // Everything sent to Redis meanwhile counts (the appends, the snapshots every 100 events, the event archive,
        // and the cluster's own membership traffic), so the bound is on the whole path.
        Assert.True(perEvent <= 1024, $"{perEvent:F0} bytes were sent to Redis per event.");
    }

    /// <summary>Records of users and shards in the previous layout (Orleans grain storage: <c>{service}/state/{type}/{key}/{state}</c>).</summary>
    private static List<string> PreviousLayoutKeys(IServer server, string service) =>
        [.. server.Keys(pattern: $"{service}/state/user/*").Concat(server.Keys(pattern: $"{service}/state/itemshard/*")).Select(k => k.ToString())];

    /// <summary>A connection of the test's own to the fixture's Redis (admin mode: INFO, KEYS).</summary>
    private Task<ConnectionMultiplexer> ConnectAsync() => ConnectionMultiplexer.ConnectAsync(fixture.Redis.ConnectionString + ",allowAdmin=true");

    /// <summary>Bytes Redis has received from all clients (<c>INFO stats</c> total_net_input_bytes).</summary>
    private static async Task<long> InputBytesAsync(ConnectionMultiplexer redis)
    {
        var info = await redis.GetServer(redis.GetEndPoints()[0]).InfoAsync("stats");
        return long.Parse(info.SelectMany(g => g).Single(p => p.Key == "total_net_input_bytes").Value, System.Globalization.CultureInfo.InvariantCulture);
    }
}
