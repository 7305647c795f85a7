using System.Numerics.Tensors;
using OrleansReco.Core.Model;
using OrleansReco.GrainInterfaces;

namespace OrleansReco.Grains.Tests;

[Collection(ClusterCollection.Name)]
public sealed class CatalogTests(ClusterFixture fixture)
{
    private IGrainFactory Grains => fixture.Cluster.GrainFactory;

    [Fact]
    public async Task UpsertItems_NewItem_RecommendedWithoutRetraining()
    {
        var client = await TestData.NewCatalogAsync(Grains, 20);
        string userId = TestData.Unique("user");
        var before = await client.RecommendAsync(userId, new RecommendQuery(K: 100));
        Assert.Equal(20, before.Items.Length);

        var result = await client.UpsertItemsAsync(TestData.Item(1000) with { ItemId = "brand-new" });

        Assert.Equal(new UpsertResult(1, 0, 0), result);
        var after = await client.RecommendAsync(userId, new RecommendQuery(K: 100));
        Assert.Equal(21, after.Items.Length);
        Assert.Contains(after.Items, i => i.ItemId == "brand-new");
        var score = Assert.Single(await client.ScoreAsync(userId, "brand-new"));
        Assert.Equal(score.Score!.Value, after.Items.Single(i => i.ItemId == "brand-new").Score, 5);
    }

    [Fact]
    public async Task UpsertItems_IntoHnswShards_NewItemFoundAndRankingMatchesModel()
    {
        // About 300 / 8 items per shard, above the test threshold of 16: every shard walks an HNSW graph.
        var client = await TestData.NewCatalogAsync(Grains, 300);
        await client.UpsertItemsAsync(TestData.Item(5000) with { ItemId = "late-arrival" });
        var stats = await Grains.GetGrain<ICatalogGrain>(client.Catalog).GetStatsAsync();
        Assert.All(stats, s => Assert.Equal("hnsw", s.IndexKind));
        Assert.Equal(301, stats.Sum(s => s.Items));
        Assert.All(stats, s => Assert.True(s.MemoryBytes > 0, $"Shard {s.Shard} reports no memory."));

        string userId = TestData.Unique("user");
        await client.SendEventsAsync(userId, TestData.Event("item-12"), TestData.Event("item-40"));
        var answer = await client.RecommendAsync(userId, new RecommendQuery(K: 10));

        var model = TwoTowerModel.Load(fixture.ModelPath);
        var user = await Grains.GetGrain<IUserGrain>(userId).GetEmbeddingAsync();
        var catalogue = TestData.Items(300).Append(TestData.Item(5000) with { ItemId = "late-arrival" })
            .Where(i => i.ItemId is not ("item-12" or "item-40"));
        var expected = catalogue
            .Select(i => (i.ItemId, Score: TensorPrimitives.CosineSimilarity(user.Vector, Embed(model, i))))
            .OrderByDescending(p => p.Score).Take(10).Select(p => p.ItemId).ToArray();
        Assert.Equal(expected, answer.Items.Select(i => i.ItemId).ToArray());

        var all = await client.RecommendAsync(userId, new RecommendQuery(K: 400));
        Assert.Contains(all.Items, i => i.ItemId == "late-arrival");
    }

    [Fact]
    public async Task RemoveItems_RemovedItem_NeverReturned()
    {
        var client = await TestData.NewCatalogAsync(Grains, 200);
        string userId = TestData.Unique("user");

        int removed = await client.RemoveItemsAsync("item-5", "item-150", "not-there");

        Assert.Equal(2, removed);
        var all = await client.RecommendAsync(userId, new RecommendQuery(K: 300));
        Assert.Equal(198, all.Items.Length);
        Assert.DoesNotContain(all.Items, i => i.ItemId is "item-5" or "item-150");
        var similar = await client.SimilarItemsAsync("item-6", new RecommendQuery(K: 300));
        Assert.DoesNotContain(similar.Items, i => i.ItemId is "item-5" or "item-150");
        Assert.Null(Assert.Single(await client.ScoreAsync(userId, "item-5")).Score);
        await Assert.ThrowsAsync<KeyNotFoundException>(() => client.SimilarItemsAsync("item-5"));
        Assert.Null(await Grains.GetGrain<ICatalogGrain>(client.Catalog).GetItemAsync("item-5"));
    }

    [Fact]
    public async Task UpsertItems_ExistingItemMadeUnavailable_FilteredUnlessAsked()
    {
        var client = await TestData.NewCatalogAsync(Grains, 30);
        string userId = TestData.Unique("user");

        var result = await client.UpsertItemsAsync(TestData.Item(8, available: false));

        Assert.Equal(new UpsertResult(0, 1, 0), result);
        var available = await client.RecommendAsync(userId, new RecommendQuery(K: 100));
        Assert.DoesNotContain(available.Items, i => i.ItemId == "item-8");
        var everything = await client.RecommendAsync(userId, new RecommendQuery(K: 100, OnlyAvailable: false));
        Assert.Contains(everything.Items, i => i.ItemId == "item-8");
        var stored = await Grains.GetGrain<ICatalogGrain>(client.Catalog).GetItemAsync("item-8");
        Assert.False(stored!.Available);
    }

    [Fact]
    public async Task SimilarItems_KnownItem_RankedByItemCosineWithoutItself()
    {
        var client = await TestData.NewCatalogAsync(Grains, 60);
        var model = TwoTowerModel.Load(fixture.ModelPath);
        var items = TestData.Items(60);
        var query = Embed(model, items[10]);
        var expected = items.Where(i => i.ItemId != "item-10")
            .Select(i => (i.ItemId, Score: TensorPrimitives.CosineSimilarity(query, Embed(model, i))))
            .OrderByDescending(p => p.Score).Take(5).ToArray();

        var similar = await client.SimilarItemsAsync("item-10", new RecommendQuery(K: 5));

        Assert.Equal(expected.Select(e => e.ItemId), similar.Items.Select(i => i.ItemId));
        Assert.Equal(expected[0].Score, similar.Items[0].Score, 4);
        Assert.False(similar.Partial);
    }

    private static float[] Embed(TwoTowerModel model, CatalogItem item)
    {
        var v = new float[model.Dimension];
        model.EmbedItem(item.ItemId, model.ItemColumns.Select(c => item.Features!.GetValueOrDefault(c.Name)).ToArray(), v);
        return v;
    }
}

/// <summary>Listing a shard's items: pages in id order, a field filter, totals.</summary>
[Collection(ClusterCollection.Name)]
public sealed class ShardListingTests(ClusterFixture fixture)
{
    [Fact]
    public async Task ListItems_PagesInIdOrder_FilterAndTotal()
    {
        string catalog = TestData.Unique("list");
        var items = Enumerable.Range(0, 30).Select(i => new CatalogItem($"it-{i:D2}", new() { ["category"] = i % 3 == 0 ? "a" : "b", ["price"] = "5" })).ToArray();
        await fixture.Cluster.GrainFactory.GetGrain<ICatalogGrain>(catalog).UpsertItemsAsync(items);
        var shard = fixture.Cluster.GrainFactory.Shard(catalog, ItemSharding.ShardOf("it-00", 8));

        var all = await shard.ListItemsAsync(0, 1000);
        var first = await shard.ListItemsAsync(0, 2);
        var rest = await shard.ListItemsAsync(2, 1000);
        var onlyA = await shard.ListItemsAsync(0, 1000, FieldRule.Require("category", "A"));

        Assert.Equal(all.Total, all.Items.Length);
        Assert.Equal(all.Items.Select(i => i.ItemId).Order(StringComparer.Ordinal), all.Items.Select(i => i.ItemId));
        Assert.Equal(all.Items.Select(i => i.ItemId), first.Items.Concat(rest.Items).Select(i => i.ItemId));
        Assert.All(onlyA.Items, i => Assert.Equal("a", i.Features!["category"]));
        Assert.Equal(all.Items.Count(i => i.Features!["category"] == "a"), onlyA.Total);
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => shard.ListItemsAsync(-1, 10));
    }
}
