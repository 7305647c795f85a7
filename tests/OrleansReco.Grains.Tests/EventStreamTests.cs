using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Orleans.TestingHost;
using OrleansReco.GrainInterfaces;
using OrleansReco.Grains.Events;
using OrleansReco.Silo.Events;
using StackExchange.Redis;

namespace OrleansReco.Grains.Tests;

[Collection(EventStreamCollection.Name)]
public sealed class EventStreamTests(EventStreamFixture fixture)
{
    private static NameValueEntry[] Flat(string user, string item, long timestamp, string? eventId = null, string type = "click") =>
        eventId is null
            ? [new("user_id", user), new("item_id", item), new("type", type), new("timestamp", timestamp)]
            : [new("user_id", user), new("item_id", item), new("type", type), new("value", "1"), new("timestamp", timestamp), new("event_id", eventId)];

    private async Task<string[]> AddAsync(IEnumerable<NameValueEntry[]> entries)
    {
        var db = fixture.Db;
        var adds = entries.Select(e => db.StreamAddAsync(fixture.StreamKey, e)).ToArray();
        return (await Task.WhenAll(adds)).Select(id => id.ToString()).ToArray();
    }

    private IUserGrain User(string id) => fixture.Cluster.GrainFactory.GetGrain<IUserGrain>(id);

    [Fact]
    public async Task Consume_TimestampFarAhead_DeadLetteredNamingTheSetting()
    {
        using var outcomes = fixture.ListenToOutcomes();
        long before = outcomes["dead_letter"];
        long ahead = DateTimeOffset.UtcNow.AddDays(3).ToUnixTimeSeconds();
        string id = (await AddAsync([Flat(TestData.Unique("future"), "item-1", ahead)]))[0];

        await outcomes.WaitAsync("dead_letter", before + 1, "Dead-letter an entry three days ahead");

        var letter = (await fixture.Db.StreamRangeAsync(fixture.DeadLetterKey)).Single(e => e["source_id"] == id);
        Assert.StartsWith("timestamp:", letter["reason"].ToString());
        Assert.Contains("Reco:Events:MaxFutureSkew", letter["reason"].ToString());
    }

    [Fact]
    public async Task GroupDeleted_RecreatedAfterWhatWasAcknowledged_StreamNotReplayed()
    {
        using var outcomes = fixture.ListenToOutcomes();
        string prefix = TestData.Unique("ng");
        const int Handled = 300;
        await AddAsync(Enumerable.Range(0, Handled).Select(i => Flat($"{prefix}-u{i % 7}", $"item-{i}", 1_700_000_000 + i)));
        await outcomes.WaitAsync("accepted", Handled, "Consume the entries before the group vanishes");
        var consumers = fixture.Cluster.Silos.Cast<InProcessSiloHandle>().Select(s => s.SiloHost.Services.GetRequiredService<EventStreamConsumer>()).ToList();
        Assert.True(consumers.All(c => !c.LastAcknowledged.IsNull), "Setup: each silo should have acknowledged some of the entries.");
        long streamLength = await fixture.Db.StreamLengthAsync(fixture.StreamKey);

        Assert.True(await fixture.Db.StreamDeleteConsumerGroupAsync(fixture.StreamKey, EventStreamFixture.Group));
        await AddAsync([Flat($"{prefix}-late", "item-1", 1_700_001_000)]);
        await outcomes.WaitAsync("accepted", Handled + 1, "Consume an entry added after the group vanished");
        // A later entry, read in a later batch: once it is counted, every replayed entry before it is counted too.
        await AddAsync([Flat($"{prefix}-marker", "item-2", 1_700_001_001)]);
        await outcomes.WaitAsync("accepted", Handled + 2, "Consume a marker entry after the group came back");

        Assert.True(outcomes["duplicate"] < Handled,
            $"{outcomes["duplicate"]} entries were delivered again after the group was recreated; the stream held {streamLength}.");
        Assert.Contains(await fixture.Db.StreamGroupInfoAsync(fixture.StreamKey), g => g.Name == EventStreamFixture.Group);
        Assert.Equal(1, (await User($"{prefix}-late").GetContextAsync()).EventCount);
    }

    [Fact]
    public async Task Consume_ValidAndInvalidEntries_ValidRecordedOnceInvalidDeadLettered()
    {
        using var outcomes = fixture.ListenToOutcomes();
        string prefix = TestData.Unique("s");
        var expected = new Dictionary<string, List<string>>();
        var entries = new List<NameValueEntry[]>();
        for (int i = 0; i < 150; i++)
        {
            string user = $"{prefix}-u{i % 10}", item = $"item-{i}";
            long timestamp = 1_700_000_000 + i;
            (expected.TryGetValue(user, out var items) ? items : expected[user] = []).Add(item);
            entries.Add((i % 3) switch
            {
                // One JSON field, ISO timestamp; flat with an event id; flat without one (derived id).
                0 => [new("event", JsonSerializer.Serialize(new Dictionary<string, object>
                {
                    ["user_id"] = user, ["item_id"] = item, ["type"] = "view", ["event_id"] = $"{prefix}-{i}",
                    ["timestamp"] = DateTimeOffset.FromUnixTimeSeconds(timestamp).ToString("O"), ["context"] = new { channel = "web" },
                }))],
                1 => Flat(user, item, timestamp, eventId: $"{prefix}-{i}"),
                _ => Flat(user, item, timestamp),
            });
        }
        var invalid = new Dictionary<string, NameValueEntry[]>
        {
            ["type"] = Flat($"{prefix}-u0", "x", 1_700_000_000, type: "teleport"),
            ["item_id"] = [new("user_id", $"{prefix}-u0"), new("type", "view"), new("timestamp", 1_700_000_000)],
            ["timestamp"] = [new("user_id", $"{prefix}-u0"), new("item_id", "x"), new("type", "view"), new("timestamp", "yesterday")],
            ["value"] = [new("user_id", $"{prefix}-u0"), new("item_id", "x"), new("type", "view"), new("value", "lots"), new("timestamp", 1_700_000_000)],
            ["event"] = [new("event", "{\"user_id\": ")],
        };
        var ids = await AddAsync(entries.Concat(invalid.Values));
        var invalidIds = invalid.Keys.Zip(ids.Skip(entries.Count)).ToDictionary(p => p.Second, p => p.First);

        await outcomes.WaitAsync("accepted", 150, "Consume 150 valid entries");
        await outcomes.WaitAsync("dead_letter", 5, "Dead-letter 5 invalid entries");

        foreach (var (user, items) in expected)
        {
            var context = await User(user).GetContextAsync();
            Assert.Equal(items, context.SeenItemIds);
            Assert.Equal(items.Count, context.EventCount);
        }
        var dead = (await fixture.Db.StreamRangeAsync(fixture.DeadLetterKey)).Where(e => invalidIds.ContainsKey(e["source_id"].ToString())).ToList();
        Assert.Equal(5, dead.Count);
        foreach (var letter in dead)
        {
            string field = invalidIds[letter["source_id"].ToString()];
            Assert.StartsWith(field + ":", letter["reason"].ToString());
        }
        Assert.Equal("teleport", dead.Single(e => invalidIds[e["source_id"].ToString()] == "type")["type"].ToString());
        Assert.Equal(0, await fixture.PendingAsync());
        Assert.Equal(0, outcomes["duplicate"]);
    }

    [Fact]
    public async Task Consume_UserStorageFails_EntriesStayPendingUntilItRecovers()
    {
        using var outcomes = fixture.ListenToOutcomes();
        string broken = TestData.Unique("broken"), healthy = TestData.Unique("healthy");
        await User(broken).RecordEventsAsync([TestData.Event("item-0")]);
        var storageKey = await BreakStorageAsync(broken);

        var brokenIds = await AddAsync(Enumerable.Range(1, 3).Select(i => Flat(broken, $"item-{i}", 1_750_000_000 + i)));
        await AddAsync(Enumerable.Range(1, 5).Select(i => Flat(healthy, $"item-{i}", 1_750_000_000 + i)));
        await outcomes.WaitAsync("accepted", 5, "Healthy user's entries");
        await outcomes.WaitAsync("retry", 3, "Broken user's entries fail");

        var pending = await fixture.Db.StreamPendingMessagesAsync(fixture.StreamKey, EventStreamFixture.Group, 100, RedisValue.Null);
        Assert.Equal(brokenIds.Order(), pending.Select(p => p.MessageId.ToString()).Order());

        await RepairStorageAsync(storageKey);
        await outcomes.WaitAsync("accepted", 8, "Broken user's entries after the storage recovered");

        var context = await User(broken).GetContextAsync();
        Assert.Equal(["item-0", "item-1", "item-2", "item-3"], context.SeenItemIds);
        Assert.Equal(0, await fixture.PendingAsync());
    }

    [Fact]
    public async Task Consume_StorageFailsOnEveryDelivery_DeadLetteredAfterMaxDeliveries()
    {
        using var outcomes = fixture.ListenToOutcomes();
        string broken = TestData.Unique("hopeless");
        await User(broken).RecordEventsAsync([TestData.Event("item-0")]);
        var storageKey = await BreakStorageAsync(broken);

        var id = (await AddAsync([Flat(broken, "item-1", 1_750_000_000, eventId: "hopeless-1")])).Single();
        await outcomes.WaitAsync("dead_letter", 1, $"Entry failing {EventStreamFixture.MaxDeliveries} deliveries");
        await RepairStorageAsync(storageKey);

        var letter = (await fixture.Db.StreamRangeAsync(fixture.DeadLetterKey)).Single(e => e["source_id"] == id);
        Assert.StartsWith("delivery:", letter["reason"].ToString());
        Assert.Equal("hopeless-1", letter["event_id"].ToString());
        Assert.Equal(EventStreamFixture.MaxDeliveries, outcomes["retry"]);
        Assert.Equal(0, await fixture.PendingAsync());
        Assert.Equal(["item-0"], (await User(broken).GetContextAsync()).SeenItemIds);
    }

    [Fact]
    public async Task Consume_EntryRedeliveredOrReAdded_CountedOnce()
    {
        using var outcomes = fixture.ListenToOutcomes();
        string user = TestData.Unique("again");
        var ids = await AddAsync([Flat(user, "item-1", 1_750_000_001, eventId: $"{user}-1"), Flat(user, "item-2", 1_750_000_002)]);
        await outcomes.WaitAsync("accepted", 2, "First delivery");

        // Redelivery: the group is moved back to the first entry, so the second (no event id: derived id) comes again.
        await fixture.Db.StreamConsumerGroupSetPositionAsync(fixture.StreamKey, EventStreamFixture.Group, ids[0]);
        await outcomes.WaitAsync("duplicate", 1, "Redelivered entry without event id");
        // A producer's retry: the same event (same event id) added again as a new entry.
        await AddAsync([Flat(user, "item-1", 1_750_000_001, eventId: $"{user}-1")]);
        await outcomes.WaitAsync("duplicate", 2, "Re-added entry with the same event id");

        var context = await User(user).GetContextAsync();
        Assert.Equal(["item-1", "item-2"], context.SeenItemIds);
        Assert.Equal(2, context.EventCount);
        Assert.Equal(2, outcomes["accepted"]);
        Assert.Equal(0, await fixture.PendingAsync());
    }

    [Fact]
    public async Task Consume_EntriesPendingOnDeadConsumer_ClaimedAndRecorded()
    {
        using var outcomes = fixture.ListenToOutcomes();
        string user = TestData.Unique("orphan");
        // A consumer that reads and then dies: the entries are added and delivered to it in one transaction, so no
        // live silo sees them first; they are never acknowledged by it.
        var tx = fixture.Db.CreateTransaction();
        var adds = Enumerable.Range(1, 4).Select(i => tx.StreamAddAsync(fixture.StreamKey, Flat(user, $"item-{i}", 1_750_000_000 + i))).ToArray();
        var read = tx.StreamReadGroupAsync(fixture.StreamKey, EventStreamFixture.Group, "silo-that-died", StreamPosition.NewMessages, 100);
        Assert.True(await tx.ExecuteAsync(), "Setup: the transaction did not run.");
        Assert.Equal((await Task.WhenAll(adds)).Select(id => id.ToString()), (await read).Select(e => e.Id.ToString()));

        await outcomes.WaitAsync("accepted", 4, $"Entries idle on a dead consumer for {EventStreamFixture.ClaimIdle.TotalSeconds} s");

        Assert.Equal(["item-1", "item-2", "item-3", "item-4"], (await User(user).GetContextAsync()).SeenItemIds);
        Assert.Equal(0, await fixture.PendingAsync());
    }

    [Fact]
    public async Task Consume_PendingEntryTrimmedBeforeItWasSaved_DeadLetteredAndCounted()
    {
        using var outcomes = fixture.ListenToOutcomes();
        long trimmedBefore = outcomes["trimmed"];
        string user = TestData.Unique("trim");
        var tx = fixture.Db.CreateTransaction();
        var adds = Enumerable.Range(1, 2).Select(i => tx.StreamAddAsync(fixture.StreamKey, Flat(user, $"item-{i}", 1_750_000_000 + i))).ToArray();
        var read = tx.StreamReadGroupAsync(fixture.StreamKey, EventStreamFixture.Group, "silo-that-died", StreamPosition.NewMessages, 100);
        Assert.True(await tx.ExecuteAsync(), "Setup: the transaction did not run.");
        var ids = (await Task.WhenAll(adds)).Select(id => id.ToString()).ToArray();
        Assert.Equal(ids, (await read).Select(e => e.Id.ToString()));
        // The first entry leaves the stream while pending (as a producer's XADD MAXLEN or an XDEL would remove it).
        Assert.Equal(1, await fixture.Db.StreamDeleteAsync(fixture.StreamKey, [ids[0]]));

        await outcomes.WaitAsync("trimmed", trimmedBefore + 1, "Dead-letter the pending entry that was removed");
        await outcomes.WaitAsync("accepted", 1, "Record the pending entry that is still there");

        var letter = (await fixture.Db.StreamRangeAsync(fixture.DeadLetterKey)).Single(e => e["source_id"] == ids[0]);
        Assert.StartsWith("trimmed:", letter["reason"].ToString());
        Assert.Equal(["item-2"], (await User(user).GetContextAsync()).SeenItemIds);
        Assert.Equal(0, await fixture.PendingAsync());
    }

    [Fact]
    public async Task RedisArchive_EventsRecordedThroughUserGrains_ReadableOnEverySilo()
    {
        string prefix = TestData.Unique("arch");
        var sent = new Dictionary<string, UserEvent>();
        for (int i = 0; i < 20; i++)
        {
            var e = new UserEvent($"{prefix}-{i}", $"item-{i}", "view", 1f, 1_600_000_000 + (i * 7919 % 20));
            sent[e.EventId!] = e;
            await User($"{prefix}-u{i % 4}").RecordEventsAsync([e]);
        }
        await User($"{prefix}-u0").RecordEventsAsync([sent[$"{prefix}-0"]]);   // a duplicate is not archived again

        foreach (var silo in fixture.Cluster.Silos.Cast<InProcessSiloHandle>())
        {
            var archive = silo.SiloHost.Services.GetRequiredService<IEventArchive>();
            Assert.IsType<RedisEventArchive>(archive);
            var mine = (await archive.ReadAsync(1_600_000_000, 1_600_000_020).ToListAsync()).Where(e => e.EventId!.StartsWith(prefix)).ToList();
            Assert.Equal(sent.Keys.Order(), mine.Select(e => e.EventId!).Order());
            Assert.True(mine.Zip(mine.Skip(1)).All(p => p.First.Timestamp <= p.Second.Timestamp), "Archive: events are not in time order.");
            Assert.All(mine, e => Assert.Equal($"{prefix}-u{int.Parse(e.EventId![(prefix.Length + 1)..]) % 4}", e.UserId));
        }
    }

    /// <summary>
    /// Makes the user's stored state unusable: the user's hash (version and snapshot; the log beside it is left) is
    /// moved aside and a list put in its place, so the store's reads and writes fail with WRONGTYPE (a real Redis
    /// error) until <see cref="RepairStorageAsync"/>.
    /// </summary>
    private async Task<RedisKey> BreakStorageAsync(string userId)
    {
        var server = fixture.Connection.GetServer(fixture.Connection.GetEndPoints()[0]);
        var keys = new List<RedisKey>();
        await foreach (var key in server.KeysAsync(pattern: $"*{userId}*")) keys.Add(key);
        var state = Assert.Single(keys, k => !k.ToString().EndsWith(":log", StringComparison.Ordinal));
        Assert.True(await fixture.Db.KeyRenameAsync(state, (RedisKey)(state.ToString() + ":saved")), $"Setup: could not move {state} aside.");
        await fixture.Db.ListRightPushAsync(state, "not a grain state");
        return state;
    }

    private async Task RepairStorageAsync(RedisKey state)
    {
        await fixture.Db.KeyDeleteAsync(state);
        Assert.True(await fixture.Db.KeyRenameAsync((RedisKey)(state.ToString() + ":saved"), state), $"Repair: could not move {state} back.");
    }

    [Fact]
    public async Task IdleConsumerWithNothingPending_IsRemovedFromTheGroup_LiveOnesStay()
    {
        await fixture.Db.ExecuteAsync("XGROUP", "CREATECONSUMER", fixture.StreamKey, EventStreamFixture.Group, "ghost-silo:11111");
        Assert.Contains(await fixture.Db.StreamConsumerInfoAsync(fixture.StreamKey, EventStreamFixture.Group), c => c.Name == "ghost-silo:11111");

        // Checked again each time a silo removes a consumer from the group.
        using var removed = new MetricSignal(fixture.Cluster, "reco.stream.consumers.removed");
        StackExchange.Redis.StreamConsumerInfo[] consumers = [];
        await removed.WaitUntilAsync(async () =>
        {
            consumers = await fixture.Db.StreamConsumerInfoAsync(fixture.StreamKey, EventStreamFixture.Group);
            return consumers.All(c => c.Name != "ghost-silo:11111");
        }, TimeSpan.FromSeconds(30), () => $"Removing the idle consumer ghost-silo:11111: the silos ({string.Join(", ", fixture.Cluster.Silos.Select(s => s.Name))}) "
            + $"left it in group {EventStreamFixture.Group}; consumers: {string.Join(", ", consumers.Select(c => $"{c.Name} (idle {c.IdleTimeInMilliseconds} ms, {c.PendingMessageCount} pending)"))}");

        Assert.DoesNotContain(consumers, c => c.Name == "ghost-silo:11111");
        // A live silo's consumer may be removed too when it read nothing for that long (Redis before 7.2 counts idle
        // time from the last delivery); it has nothing pending and its next read adds it again: consumption goes on.
        using var outcomes = fixture.ListenToOutcomes();
        await fixture.Db.StreamAddAsync(fixture.StreamKey, [new("user_id", "after-ghost"), new("item_id", "item-1"), new("type", "view"), new("timestamp", "1735732800"), new("event_id", "ag-1")]);
        await outcomes.WaitAsync("accepted", 1, "an event after the removal");
    }
}
