using Microsoft.Extensions.Options;
using OrleansReco.GrainInterfaces;
using OrleansReco.Grains.Items;
using OrleansReco.Grains.Users;

namespace OrleansReco.Grains.Tests;

/// <summary>The stored records of users and items, and the in-memory stores behind the embedded default.</summary>
public sealed class UserStoreFormatTests
{
    private static UserData User(int events, int ids)
    {
        var user = new UserData { Profile = { ["city"] = "الرياض" }, Embedding = [0.5f, -1f], ModelVersion = "v7" };
        for (int i = 0; i < ids; i++) user.EventIds.Add($"id-{i}");
        for (int i = 0; i < events; i++) user.Add(new EventRecord($"item-{i}", "view", i, 1_000 + i, i % 2 == 0 ? null : $"e-{i}"));
        return user;
    }

    [Fact]
    public void DecodeEntry_SameItemAndTypeInTwoRecords_ShareOneStringEach()
    {
        // Two users' log entries, read separately: the strings come from the bytes, so they are equal but new, unless shared.
        var first = UserFormat.DecodeEntry(UserFormat.EncodeEntry(1, 0, [new EventRecord("item-shared-" + Guid.NewGuid().ToString("N"), "purchase", 1f, 5, "e1")]), "a");
        string itemId = first.Events[0].ItemId;
        var second = UserFormat.DecodeEntry(UserFormat.EncodeEntry(1, 0, [new EventRecord(new string(itemId.AsSpan()), new string("purchase".AsSpan()), 1f, 6, "e2")]), "b");

        Assert.Same(first.Events[0].ItemId, second.Events[0].ItemId);
        Assert.Same("purchase", second.Events[0].EventType);
        Assert.NotSame(first.Events[0].EventId, second.Events[0].EventId);
    }

    [Fact]
    public void Snapshot_RoundTrip_KeepsEveryField()
    {
        var user = User(events: 5, ids: 20);
        var (back, covers) = UserFormat.DecodeSnapshot(UserFormat.EncodeSnapshot(user, covers: 42), "k");
        Assert.Equal(42, covers);
        Assert.Equal(user.Events, back.Events);
        Assert.Equal(user.EventIds.ToArray(), back.EventIds.ToArray());
        Assert.Equal(user.EventCount, back.EventCount);
        Assert.Equal(user.Profile, back.Profile);
        Assert.Equal(user.Embedding, back.Embedding);
        Assert.Equal("v7", back.ModelVersion);
        Assert.False(back.EventIds.Add("e-1"), "A remembered event id was not restored from the snapshot's hashes.");
    }

    [Fact]
    public void Decode_CorruptRecord_ThrowsNamingTheKey()
    {
        var bytes = UserFormat.EncodeEntry(3, 0, [new EventRecord("i", "view", 1f, 5, "e")]);
        var truncated = bytes[..^4];
        var e = Assert.Throws<InvalidDataException>(() => UserFormat.DecodeEntry(truncated, "svc:user:{alice}:log"));
        Assert.Contains("svc:user:{alice}:log", e.Message);
        bytes[1] = 99;
        var version = Assert.Throws<InvalidDataException>(() => UserFormat.DecodeEntry(bytes, "svc:user:{bob}:log"));
        Assert.Contains("svc:user:{bob}:log", version.Message);
        Assert.Contains("format version is 99", version.Message);
        var item = Assert.Throws<InvalidDataException>(() => ItemFormat.Decode(bytes, "svc:items:{c/1} field x"));
        Assert.Contains("svc:items:{c/1} field x", item.Message);
    }

    [Fact]
    public async Task MemoryStore_SnapshotDropsCoveredEntries_StaleWriterIsRefused()
    {
        var store = new MemoryUserStore(Options.Create(new Orleans.Configuration.ClusterOptions { ServiceId = TestData.Unique("svc") }));
        long v = await store.AppendAsync("u", 0, 0, new[] { new EventRecord("a", "view", 1f, 1, "e1") });
        v = await store.AppendAsync("u", v, 0, new[] { new EventRecord("b", "view", 1f, 2, "e2") });
        var loaded = await store.LoadAsync("u");
        Assert.Equal(2, loaded.Version);
        Assert.Null(loaded.Snapshot);
        Assert.Equal(["a", "b"], loaded.Tail.SelectMany(b => b.Events).Select(e => e.ItemId));

        var user = User(events: 2, ids: 0);
        v = await store.WriteSnapshotAsync("u", v, user);
        v = await store.AppendAsync("u", v, 0, new[] { new EventRecord("c", "view", 1f, 3, "e3") });
        loaded = await store.LoadAsync("u");
        Assert.Equal(2, loaded.Snapshot!.Events.Count);
        Assert.Equal(["c"], loaded.Tail.SelectMany(b => b.Events).Select(e => e.ItemId));

        await Assert.ThrowsAsync<StoreVersionConflictException>(() => store.AppendAsync("u", v - 1, 0, new[] { new EventRecord("d", "view", 1f, 4, null) }));
        Assert.Equal(v, (await store.LoadAsync("u")).Version);
    }
}

[Collection(ClusterCollection.Name)]
public sealed class UserSnapshotTests(ClusterFixture fixture)
{
    [Fact]
    public async Task RecordEvents_RepeatedIdAcrossSnapshotBoundary_IsNoOp()
    {
        string userId = TestData.Unique("snap");
        var user = fixture.Cluster.GrainFactory.GetGrain<IUserGrain>(userId);
        var first = TestData.Event("item-1", eventId: "before-snapshot");
        Assert.Equal(1, (await user.RecordEventsAsync([first])).Accepted);
        // More single-event batches than Reco:Users:SnapshotEvery (100): a snapshot now holds the first id.
        for (int i = 0; i < 130; i++) await user.RecordEventsAsync([TestData.Event($"item-{i % 40}", eventId: $"after-{i}")]);

        var repeat = await user.RecordEventsAsync([first, TestData.Event("item-2", eventId: "after-5")]);
        Assert.True(repeat.Accepted == 0 && repeat.Duplicates == 2, $"Before reload: accepted {repeat.Accepted}, duplicates {repeat.Duplicates}.");

        await fixture.Cluster.GrainFactory.GetGrain<IManagementGrain>(0).ForceActivationCollection(TimeSpan.Zero);
        var again = await user.RecordEventsAsync([first, TestData.Event("item-3", eventId: "after-129")]);
        Assert.True(again.Accepted == 0 && again.Duplicates == 2, $"After reload: accepted {again.Accepted}, duplicates {again.Duplicates}.");
        var history = await user.GetHistoryAsync();
        Assert.Equal(131, history.EventCount);
        Assert.Equal(131, history.Events.Length);
        Assert.Equal("after-129", history.Events[^1].EventId);
    }
}
