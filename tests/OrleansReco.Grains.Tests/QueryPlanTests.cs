using OrleansReco.GrainInterfaces;
using OrleansReco.Grains.Recommend;

namespace OrleansReco.Grains.Tests;

public sealed class QueryPlanTests
{
    private static ShardQuery Query(string[] excluded) =>
        new([1f, 0f], K: 10, OnlyAvailable: true, excluded, [FieldRule.Require("category", "b")], LimitField: null, LimitPerValue: 0, ModelVersion: "v1");

    [Fact]
    public void PerShard_EachShardGetsOnlyTheExcludedIdsItHolds()
    {
        string[] seen = Enumerable.Range(0, 200).Select(i => $"item-{i}").Order(StringComparer.Ordinal).ToArray();
        var query = Query(seen);

        var perShard = QueryPlan.PerShard(query, 8);

        Assert.Equal(8, perShard.Length);
        for (int s = 0; s < 8; s++)
        {
            Assert.Equal(seen.Where(id => ItemSharding.ShardOf(id, 8) == s), perShard[s].ExcludedItemIds);
            Assert.True(perShard[s].ExcludedItemIds.Length < seen.Length, $"shard {s} got all {seen.Length} ids");
            // Everything but the exclusions is the query as built.
            Assert.Equal(query with { ExcludedItemIds = perShard[s].ExcludedItemIds }, perShard[s]);
        }
        Assert.Equal(seen.Order(StringComparer.Ordinal), perShard.SelectMany(q => q.ExcludedItemIds).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void PerShard_OneShardOrNoExclusions_TheSameQueryForEveryShard()
    {
        var one = Query(["item-1", "item-2"]);
        Assert.Same(one, Assert.Single(QueryPlan.PerShard(one, 1)));

        var none = Query([]);
        Assert.All(QueryPlan.PerShard(none, 4), q => Assert.Same(none, q));
    }
}
