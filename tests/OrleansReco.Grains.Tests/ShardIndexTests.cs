using OrleansReco.Core.Model;
using OrleansReco.GrainInterfaces;
using OrleansReco.Grains.Items;

namespace OrleansReco.Grains.Tests;

/// <summary>The shard's in-memory index on its own (no cluster).</summary>
public sealed class ShardIndexTests
{
    private static readonly TwoTowerModel Model = new(SmallModel.Create("unit", seed: 5));

    private static ShardQuery Query(int k, params FieldRule[] rules) =>
        new(Enumerable.Repeat(0.25f, SmallModel.Dimension).ToArray(), k, OnlyAvailable: true, [], rules, null, 0);

    [Fact]
    public void TryUpsert_ShardFull_RejectsNewItemsButUpdatesExisting()
    {
        var options = new ItemShardOptions { MaxItemsPerShard = 3 };
        using var index = ShardIndex.Build(Model, options, new Dictionary<string, StoredItem>(), out _);
        for (int i = 0; i < 3; i++) Assert.True(index.TryUpsert($"item-{i}", StoredItem.From(TestData.Item(i)), out _));

        bool fourth = index.TryUpsert("item-3", StoredItem.From(TestData.Item(3)), out bool added);
        bool update = index.TryUpsert("item-0", StoredItem.From(TestData.Item(0, available: false)), out bool updatedIsNew);

        Assert.False(fourth);
        Assert.True(added);
        Assert.True(update);
        Assert.False(updatedIsNew);
        Assert.Equal(3, index.Count);
        Assert.Equal(2, index.Search(Query(10)).Length);
    }

    [Fact]
    public void Maintain_PastThreshold_SwitchesToHnswWithSameResults()
    {
        var options = new ItemShardOptions { HnswThreshold = 50 };
        using var index = ShardIndex.Build(Model, options, new Dictionary<string, StoredItem>(), out _);
        for (int i = 0; i < 60; i++) index.TryUpsert($"item-{i}", StoredItem.From(TestData.Item(i)), out _);
        var exact = index.Search(Query(10, FieldRule.Require("category", "a")));
        Assert.Equal("exact", index.Kind);

        var built = index.Maintain();

        Assert.NotNull(built);
        Assert.Equal("hnsw", index.Kind);
        Assert.Equal(exact, index.Search(Query(10, FieldRule.Require("category", "a"))));
        Assert.Null(index.Maintain());
    }

    [Fact]
    public void Maintain_AfterHeavyChurn_ReclaimsTombstonesAndKeepsItemsSearchable()
    {
        var options = new ItemShardOptions { HnswThreshold = 10 };
        var stored = Enumerable.Range(0, 200).ToDictionary(i => $"item-{i}", i => StoredItem.From(TestData.Item(i)));
        using var index = ShardIndex.Build(Model, options, stored, out _);
        Assert.Equal("hnsw", index.Kind);
        long before = index.MemoryBytes;
        for (int round = 0; round < 5; round++)
        {
            for (int i = 0; i < 200; i++) index.Remove($"item-{i}");
            for (int i = 0; i < 200; i++) index.TryUpsert($"item-{i}", StoredItem.From(TestData.Item(i)), out _);
            Assert.NotNull(index.Maintain());
        }

        Assert.Equal(200, index.Count);
        Assert.Equal(200, index.Search(Query(200)).Length);
        Assert.True(index.MemoryBytes < 2 * before, $"Churn grew memory from {before} to {index.MemoryBytes} bytes.");
    }

    [Fact]
    public void MemoryBytes_GrowsWithItemsAndShrinksOnRemove()
    {
        using var index = ShardIndex.Build(Model, new ItemShardOptions(), new Dictionary<string, StoredItem>(), out _);
        long empty = index.MemoryBytes;
        for (int i = 0; i < 100; i++) index.TryUpsert($"item-{i}", StoredItem.From(TestData.Item(i)), out _);
        long full = index.MemoryBytes;
        for (int i = 0; i < 50; i++) Assert.True(index.Remove($"item-{i}"));

        Assert.True(full > empty, $"Memory did not grow: {empty} → {full}.");
        Assert.True(index.MemoryBytes < full, $"Memory did not shrink after removals: {full} → {index.MemoryBytes}.");
        Assert.Equal(50, index.Count);
        Assert.Equal(50, index.Search(Query(100)).Length);
    }

    [Theory]
    [InlineData(1_000)] // exact scan
    [InlineData(10)] // HNSW
    public void Search_AvailabilityFollowsUpsertsAndRemovals_WithAndWithoutFieldRules(int hnswThreshold)
    {
        // Every fourth item unavailable; the filter reads availability from the shard's per-slot flags.
        var stored = Enumerable.Range(0, 200).ToDictionary(i => $"item-{i}", i => StoredItem.From(TestData.Item(i, available: i % 4 != 0)));
        using var index = ShardIndex.Build(Model, new ItemShardOptions { HnswThreshold = hnswThreshold }, stored, out _);
        ShardQuery All(bool onlyAvailable, string[] excluded, params FieldRule[] rules) =>
            new(Enumerable.Repeat(0.25f, SmallModel.Dimension).ToArray(), 200, onlyAvailable, excluded, rules, null, 0);
        string[] Found(ShardQuery q) => index.Search(q).Select(i => i.ItemId).ToArray();

        Assert.Equal(150, Found(All(true, [])).Length);
        Assert.Equal(200, Found(All(false, [])).Length);
        Assert.DoesNotContain("item-0", Found(All(true, [])));

        index.TryUpsert("item-0", StoredItem.From(TestData.Item(0)), out _); // now available
        index.TryUpsert("item-1", StoredItem.From(TestData.Item(1, available: false)), out _); // now unavailable
        Assert.True(index.Remove("item-2"));
        var found = Found(All(true, []));
        Assert.Equal(149, found.Length);
        Assert.Contains("item-0", found);
        Assert.DoesNotContain("item-1", found);
        Assert.DoesNotContain("item-2", found);
        Assert.Equal(199, Found(All(false, [])).Length);

        // Excluded ids, alone and with a field rule (which reads the item's fields as well).
        string[] excluded = ["item-0", "item-3", "item-5", "not-in-this-shard"];
        var withoutExcluded = Found(All(true, excluded));
        Assert.Equal(146, withoutExcluded.Length);
        Assert.Empty(withoutExcluded.Intersect(excluded));
        var categoryA = Found(All(true, excluded, FieldRule.Require("category", "a")));
        var expected = Enumerable.Range(0, 200).Where(i => i % 3 == 0 && (i % 4 != 0 || i == 0) && i is not 1 and not 2 && !excluded.Contains($"item-{i}"))
            .Select(i => $"item-{i}").Order(StringComparer.Ordinal);
        Assert.Equal(expected, categoryA.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void ShardOf_ItemId_StableAcrossProcessesAndInRange()
    {
        // Pinned values (FNV-1a 64 with the sharding seed): a change here moves every stored item to another shard.
        Assert.Equal(ItemSharding.ShardOf("item-1", 8), ItemSharding.ShardOf(new string("item-1".ToCharArray()), 8));
        int[] counts = new int[8];
        for (int i = 0; i < 8000; i++) counts[ItemSharding.ShardOf($"item-{i}", 8)]++;
        Assert.All(counts, c => Assert.InRange(c, 800, 1200));
        Assert.Equal(PinnedShards, Enumerable.Range(0, 6).Select(i => ItemSharding.ShardOf($"item-{i}", 8)).ToArray());
    }

    private static readonly int[] PinnedShards = [5, 4, 7, 6, 1, 0];
}
