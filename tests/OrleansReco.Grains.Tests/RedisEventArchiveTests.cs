using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using OrleansReco.GrainInterfaces;
using OrleansReco.Silo.Events;
using StackExchange.Redis;

namespace OrleansReco.Grains.Tests;

/// <summary>A redis-server of its own for the archive tests, with small stream nodes so that approximate trims are tight.</summary>
public sealed class RedisArchiveServerFixture : IAsyncLifetime
{
    /// <summary>Entries per stream node; approximate trims (<c>~</c>) remove whole nodes, so they stop within this many entries.</summary>
    public const int NodeEntries = 10;

    public RedisServer Redis { get; private set; } = null!;
    public IConnectionMultiplexer Connection { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Redis = await RedisServer.StartAsync();
        Connection = await ConnectionMultiplexer.ConnectAsync($"{Redis.ConnectionString},allowAdmin=true");
        await Connection.GetServer(Connection.GetEndPoints()[0]).ConfigSetAsync("stream-node-max-entries", NodeEntries);
    }

    /// <summary>An archive on its own keys.</summary>
    public RedisEventArchive NewArchive(TimeSpan? retention = null, long maxLength = 10_000_000, TimeProvider? clock = null)
    {
        var options = new EventArchiveOptions { Retention = retention ?? TimeSpan.FromDays(30), MaxLength = maxLength };
        options.ResolveKeys(TestData.Unique("archive"));
        return new RedisEventArchive(Connection, Options.Create(options), clock ?? TimeProvider.System, NullLogger<RedisEventArchive>.Instance);
    }

    public async Task DisposeAsync()
    {
        await Connection.DisposeAsync();
        await Redis.DisposeAsync();
    }
}

public sealed class RedisEventArchiveTests(RedisArchiveServerFixture fixture) : IClassFixture<RedisArchiveServerFixture>
{
    private static UserEvent At(long timestamp, string item, string? eventId = "auto") =>
        new(eventId == "auto" ? Guid.NewGuid().ToString("N") : eventId, item, "click", 1.5f, timestamp);

    private IDatabase Db => fixture.Connection.GetDatabase();

    [Fact]
    public async Task Read_EventsAppendedOutOfOrder_ReturnedInTimeOrderTiesInArrivalOrder()
    {
        var archive = fixture.NewArchive();
        await archive.AppendAsync("u1", [At(30, "c"), At(10, "a"), At(20, "b2", eventId: null)]);
        await archive.AppendAsync("u2", [At(20, "b1"), At(30, "d"), At(40, "e")]);

        var all = await archive.ReadAsync(0, long.MaxValue).ToListAsync();

        // b2 arrived before b1 and both have timestamp 20; c before d at 30.
        Assert.Equal(["a", "b2", "b1", "c", "d", "e"], all.Select(e => e.ItemId));
        Assert.Equal(6, archive.Count);
        var b2 = all[1];
        Assert.Equal(("u1", (string?)null, "click", 1.5f, 20L), (b2.UserId, b2.EventId, b2.EventType, b2.Value, b2.Timestamp));
        Assert.NotNull(all[0].EventId);
    }

    [Fact]
    public async Task Read_Window_IncludesFromExcludesTo()
    {
        var archive = fixture.NewArchive();
        await archive.AppendAsync("u", [At(9, "before"), At(10, "first"), At(19, "last"), At(20, "after")]);

        var window = await archive.ReadAsync(10, 20).ToListAsync();

        Assert.Equal(["first", "last"], window.Select(e => e.ItemId));
    }

    [Fact]
    public async Task Read_MoreThanOnePage_ReturnsEveryEvent()
    {
        var archive = fixture.NewArchive();
        int count = RedisEventArchive.ReadPageSize + 1234;
        var random = new Random(5);
        var events = Enumerable.Range(0, count).Select(i => At(random.Next(1_000_000), $"i{i}")).ToArray();
        foreach (var chunk in events.Chunk(2_000)) await archive.AppendAsync("u", chunk);

        var all = await archive.ReadAsync(0, long.MaxValue).ToListAsync();

        Assert.Equal(count, all.Count);
        Assert.True(all.Zip(all.Skip(1)).All(p => p.First.Timestamp <= p.Second.Timestamp), "Read: events across pages are not in time order.");
        Assert.Equal(events.Select(e => e.ItemId).Order(), all.Select(e => e.ItemId).Order());
    }

    [Fact]
    public async Task Append_EntriesOlderThanRetention_Trimmed()
    {
        var archive = fixture.NewArchive(retention: TimeSpan.FromHours(1));
        string key = archive.EventsKey;
        long old = DateTimeOffset.UtcNow.AddHours(-2).ToUnixTimeMilliseconds();
        for (int i = 0; i < 200; i++)
            await Db.StreamAddAsync(key, [new("user_id", "old"), new("item_id", $"o{i}"), new("type", "view"), new("value", "1"), new("timestamp", "5")], messageId: $"{old}-{i}");

        await archive.AppendAsync("new", [At(100, "fresh")]);

        var left = await archive.ReadAsync(0, long.MaxValue).ToListAsync();
        Assert.Contains(left, e => e.ItemId == "fresh");
        int oldLeft = left.Count(e => e.UserId == "old");
        Assert.True(oldLeft <= RedisArchiveServerFixture.NodeEntries,
            $"Retention: {oldLeft} of 200 entries older than the retention are left; at most one stream node ({RedisArchiveServerFixture.NodeEntries}) may stay.");
    }

    [Fact]
    public async Task Append_SiloClockADayAhead_TrimsByRedisClock_KeepsEntriesWithinRetention()
    {
        var archive = fixture.NewArchive(retention: TimeSpan.FromHours(1), clock: new SkewedClock(TimeSpan.FromDays(1)));
        long recent = DateTimeOffset.UtcNow.AddMinutes(-30).ToUnixTimeMilliseconds();
        for (int i = 0; i < 200; i++)
            await Db.StreamAddAsync(archive.EventsKey, [new("user_id", "recent"), new("item_id", $"r{i}"), new("type", "view"), new("value", "1"), new("timestamp", "5")], messageId: $"{recent}-{i}");

        await archive.AppendAsync("new", [At(100, "fresh")]);

        var left = await archive.ReadAsync(0, long.MaxValue).ToListAsync();
        Assert.Equal(201, left.Count);
    }

    /// <summary>The system clock shifted by <paramref name="offset"/> (a silo whose clock is off).</summary>
    private sealed class SkewedClock(TimeSpan offset) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => TimeProvider.System.GetUtcNow() + offset;
    }

    [Fact]
    public async Task Append_BeyondMaxLength_StaysNearTheBound()
    {
        var archive = fixture.NewArchive(maxLength: 100);
        for (int batch = 0; batch < 10; batch++)
            await archive.AppendAsync("u", Enumerable.Range(0, 100).Select(i => At(batch * 100 + i, $"i{batch}-{i}")).ToArray());

        Assert.InRange(archive.Count, 100, 100 + RedisArchiveServerFixture.NodeEntries);
        var kept = await archive.ReadAsync(0, long.MaxValue).ToListAsync();
        Assert.Equal("i9-99", kept[^1].ItemId);
        Assert.DoesNotContain(kept, e => e.ItemId == "i0-0");
    }

    [Fact]
    public async Task Profiles_SavedTwiceWithArabicText_LatestReadBack()
    {
        var archive = fixture.NewArchive();
        await archive.SaveProfileAsync("sara", new Dictionary<string, string> { ["city"] = "الإسكندرية" });
        await archive.SaveProfileAsync("sara", new Dictionary<string, string> { ["city"] = "القاهرة", ["name"] = "سارة", ["age_group"] = "26-40" });
        await archive.SaveProfileAsync("omar", new Dictionary<string, string> { ["city"] = "عمّان" });

        var profiles = (await archive.ReadProfilesAsync().ToListAsync()).ToDictionary(p => p.UserId);

        Assert.Equal(2, profiles.Count);
        Assert.Equal(new Dictionary<string, string> { ["city"] = "القاهرة", ["name"] = "سارة", ["age_group"] = "26-40" }, profiles["sara"].Features);
        Assert.Equal("عمّان", profiles["omar"].Features["city"]);
    }
}
