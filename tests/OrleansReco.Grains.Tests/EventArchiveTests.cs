using Microsoft.Extensions.DependencyInjection;
using Orleans.TestingHost;
using OrleansReco.GrainInterfaces;
using OrleansReco.Grains.Events;

namespace OrleansReco.Grains.Tests;

public sealed class MemoryEventArchiveTests
{
    private static UserEvent At(long timestamp, string item = "i") => new(Guid.NewGuid().ToString("N"), item, "click", 1f, timestamp);

    [Fact]
    public async Task Read_EventsAppendedOutOfOrder_ReturnedInTimeOrderWithinRange()
    {
        var archive = new MemoryEventArchive();
        await archive.AppendAsync("u1", [At(30, "c"), At(10, "a")]);
        await archive.AppendAsync("u2", [At(20, "b"), At(30, "d"), At(40, "e")]);

        var all = await archive.ReadAsync(0, long.MaxValue).ToListAsync();
        var window = await archive.ReadAsync(20, 40).ToListAsync();

        Assert.Equal(["a", "b", "c", "d", "e"], all.Select(e => e.ItemId));
        Assert.Equal(["b", "c", "d"], window.Select(e => e.ItemId));
        Assert.Equal("u2", window[0].UserId);
    }

    [Fact]
    public async Task Read_EqualTimes_KeepArrivalOrder_AlsoWhenTheRingHasWrappedAndTheInputIsUnsorted()
    {
        // Capacity 6, 9 appended: the ring wraps, and the survivors arrive as 40, 10, 10, 30, 10, 30 (out of time order).
        var archive = new MemoryEventArchive(capacity: 6);
        await archive.AppendAsync("u", [At(1, "x1"), At(2, "x2"), At(3, "x3"), At(40, "a"), At(10, "b"), At(10, "c")]);
        await archive.AppendAsync("v", [At(30, "d"), At(10, "e"), At(30, "f")]);

        var all = await archive.ReadAsync(0, long.MaxValue).ToListAsync();

        Assert.Equal(["b", "c", "e", "d", "f", "a"], all.Select(e => e.ItemId));
    }

    [Fact]
    public async Task Append_BeyondCapacity_DropsOldestFirst()
    {
        var archive = new MemoryEventArchive(capacity: 3);
        await archive.AppendAsync("u", [At(1, "a"), At(2, "b"), At(3, "c"), At(4, "d")]);

        Assert.Equal(3, archive.Count);
        Assert.Equal(["b", "c", "d"], (await archive.ReadAsync(0, long.MaxValue).ToListAsync()).Select(e => e.ItemId));
    }
}

[Collection(LifecycleCollection.Name)]
public sealed class EventArchiveClusterTests(LifecycleFixture fixture)
{
    [Fact]
    public async Task RecordEvents_AcceptedEventsArchivedOnceDuplicatesNot()
    {
        string userId = TestData.Unique("arch");
        var user = fixture.Cluster.GrainFactory.GetGrain<IUserGrain>(userId);
        var first = TestData.Event("item-1", eventId: Guid.NewGuid().ToString("N"));
        await user.RecordEventsAsync([first, TestData.Event("item-2")]);
        await user.RecordEventsAsync([first]);

        var archived = new List<ArchivedEvent>();
        foreach (var silo in fixture.Cluster.Silos.Cast<InProcessSiloHandle>())
            archived.AddRange((await silo.SiloHost.Services.GetRequiredService<IEventArchive>().ReadAsync(0, long.MaxValue).ToListAsync())
                .Where(e => e.UserId == userId));

        Assert.Equal(["item-1", "item-2"], archived.OrderBy(e => e.Timestamp).Select(e => e.ItemId));
    }
}

public sealed class MemoryEventArchiveScaleTests
{
    [Fact]
    public async Task Append_ManyOutOfOrderEventsAtCapacity_StaysBoundedAndSorted()
    {
        var archive = new MemoryEventArchive(capacity: 50_000);
        var random = new Random(3);
        for (int batch = 0; batch < 2_000; batch++)
            await archive.AppendAsync($"u{batch}", Enumerable.Range(0, 50)
                .Select(k => new UserEvent($"{batch}-{k}", "i", "view", 1f, random.Next(1_000_000))).ToArray());

        Assert.Equal(50_000, archive.Count);
        var all = await archive.ReadAsync(0, long.MaxValue).ToListAsync();
        Assert.Equal(50_000, all.Count);
        Assert.True(all.Zip(all.Skip(1)).All(p => p.First.Timestamp <= p.Second.Timestamp), "Read: events are not in time order.");
        Assert.All(all, e => Assert.True(int.Parse(e.UserId.AsSpan(1)) >= 1_000, $"Append: {e.UserId}'s event should have been dropped."));
    }
}
