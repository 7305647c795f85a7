using OrleansReco.Silo.Events;
using StackExchange.Redis;

namespace OrleansReco.Grains.Tests;

/// <summary>Trimming a consumed stream below what every group acknowledged, on a real redis-server with 10-entry nodes.</summary>
public sealed class StreamTrimmerTests(RedisArchiveServerFixture fixture) : IClassFixture<RedisArchiveServerFixture>
{
    private IDatabase Db => fixture.Connection.GetDatabase();

    private async Task<string[]> FillAsync(string key, int count)
    {
        var ids = new string[count];
        for (int i = 0; i < count; i++) ids[i] = (await Db.StreamAddAsync(key, "n", i)).ToString();
        return ids;
    }

    private async Task ConsumeAsync(string key, string group, int read, int acknowledged)
    {
        var entries = await Db.StreamReadGroupAsync(key, group, "c", StreamPosition.NewMessages, read);
        Assert.Equal(read, entries.Length);
        await Db.StreamAcknowledgeAsync(key, group, entries.Take(acknowledged).Select(e => e.Id).ToArray());
    }

    [Fact]
    public async Task Trim_KeepsEverythingSomeGroupHasNotAcknowledged()
    {
        string key = TestData.Unique("in");
        var ids = await FillAsync(key, 100);
        await Db.StreamCreateConsumerGroupAsync(key, "fast", StreamPosition.Beginning);
        await Db.StreamCreateConsumerGroupAsync(key, "slow", StreamPosition.Beginning);
        await ConsumeAsync(key, "fast", read: 100, acknowledged: 100);
        await ConsumeAsync(key, "slow", read: 60, acknowledged: 40);   // 40..59 pending, 60..99 not delivered

        long trimmed = await StreamTrimmer.TrimAcknowledgedAsync(Db, key);

        var left = (await Db.StreamRangeAsync(key)).Select(e => e.Id.ToString()).ToArray();
        Assert.Equal(100 - left.Length, trimmed);
        Assert.Equal(ids[40..], left.SkipWhile(id => id != ids[40]));   // nothing unacknowledged is gone
        Assert.True(left.Length <= 60 + RedisArchiveServerFixture.NodeEntries, $"{left.Length} entries left; at most one node below the first pending one may stay.");
        Assert.True(trimmed >= 40 - RedisArchiveServerFixture.NodeEntries, $"Only {trimmed} acknowledged entries trimmed.");
    }

    [Fact]
    public async Task Trim_GroupWithNothingPending_TrimsUpToItsLastDelivered()
    {
        string key = TestData.Unique("in");
        var ids = await FillAsync(key, 50);
        await Db.StreamCreateConsumerGroupAsync(key, "g", StreamPosition.Beginning);
        await ConsumeAsync(key, "g", read: 30, acknowledged: 30);

        await StreamTrimmer.TrimAcknowledgedAsync(Db, key);

        var left = (await Db.StreamRangeAsync(key)).Select(e => e.Id.ToString()).ToArray();
        Assert.Equal(ids[30..], left);
    }

    [Fact]
    public async Task Trim_StreamWithoutGroups_TrimsNothing()
    {
        string key = TestData.Unique("in");
        await FillAsync(key, 30);

        Assert.Equal(0, await StreamTrimmer.TrimAcknowledgedAsync(Db, key));
        Assert.Equal(30, await Db.StreamLengthAsync(key));
        Assert.Equal(0, await StreamTrimmer.TrimAcknowledgedAsync(Db, TestData.Unique("absent")));
    }
}
