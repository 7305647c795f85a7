using OrleansReco.Core.Serving;

namespace OrleansReco.Core.Tests.Serving;

public sealed class TopKTests
{
    [Fact]
    public void Merge_KeepsGlobalBestK_AcrossShards()
    {
        ScoredItem[] shard0 = [new("a", 0.9f), new("b", 0.5f), new("c", 0.1f)];
        ScoredItem[] shard1 = [new("d", 0.8f), new("e", 0.7f)];
        ScoredItem[] shard2 = [];
        var merged = TopK.Merge([shard0, shard1, shard2], k: 3);
        Assert.Equal(["a", "d", "e"], merged.Select(m => m.ItemId));
    }

    [Fact]
    public void Merge_DuplicateIdKeepsBestScore_AndTiesBreakById()
    {
        ScoredItem[] shard0 = [new("x", 0.2f), new("b", 0.5f)];
        ScoredItem[] shard1 = [new("x", 0.6f), new("a", 0.5f)];
        var merged = TopK.Merge([shard0, shard1], k: 10);
        Assert.Equal([new ScoredItem("x", 0.6f), new ScoredItem("a", 0.5f), new ScoredItem("b", 0.5f)], merged);
    }

    [Fact]
    public void Merge_ThrowsForNonPositiveK()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => TopK.Merge([], 0));
    }

    [Fact]
    public void LimitPerField_KeepsNPerValue_InRankOrder()
    {
        var type = new Dictionary<string, string> { ["a"] = "book", ["b"] = "book", ["c"] = "book", ["d"] = "film", ["e"] = "film" };
        ScoredItem[] ranked = [new("a", 5), new("b", 4), new("c", 3), new("d", 2), new("e", 1), new("f", 0)];
        var kept = TopK.LimitPerField(ranked, id => type.GetValueOrDefault(id), perValue: 2, limit: 10);
        Assert.Equal(["a", "b", "d", "e", "f"], kept.Select(k => k.ItemId));
        var limited = TopK.LimitPerField(ranked, id => type.GetValueOrDefault(id), perValue: 2, limit: 3);
        Assert.Equal(["a", "b", "d"], limited.Select(k => k.ItemId));
    }
}
