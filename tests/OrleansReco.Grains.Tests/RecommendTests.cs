using OrleansReco.GrainInterfaces;

namespace OrleansReco.Grains.Tests;

[Collection(ClusterCollection.Name)]
public sealed class RecommendTests(ClusterFixture fixture)
{
    private IGrainFactory Grains => fixture.Cluster.GrainFactory;

    private static string CategoryOf(string itemId) => SmallModel.Categories[int.Parse(itemId["item-".Length..]) % 3];
    private static string ProductTypeOf(string itemId) => TestData.ProductTypes[int.Parse(itemId["item-".Length..]) / 3 % 3];

    [Fact]
    public async Task Recommend_SeenItems_ExcludedByDefaultIncludedWhenAsked()
    {
        var client = await TestData.NewCatalogAsync(Grains, 12);
        string userId = TestData.Unique("user");
        await client.SendEventsAsync(userId, TestData.Event("item-1"), TestData.Event("item-2"));

        var excluded = await client.RecommendAsync(userId, new RecommendQuery(K: 50));
        var included = await client.RecommendAsync(userId, new RecommendQuery(K: 50, ExcludeSeen: false));

        Assert.Equal(10, excluded.Items.Length);
        Assert.DoesNotContain(excluded.Items, i => i.ItemId is "item-1" or "item-2");
        Assert.Equal(12, included.Items.Length);
        Assert.False(excluded.Partial);
        Assert.Equal(Enumerable.Range(0, 8), excluded.AnsweredShards);
    }

    [Fact]
    public async Task Recommend_RequireCategory_KResultsAllInCategory()
    {
        var client = await TestData.NewCatalogAsync(Grains, 90);

        var answer = await client.RecommendAsync(TestData.Unique("user"), new RecommendQuery(K: 10, Rules: [FieldRule.Require("category", "b")]));

        Assert.Equal(10, answer.Items.Length);
        Assert.All(answer.Items, i => Assert.Equal("b", CategoryOf(i.ItemId)));
        Assert.Equal(answer.Items.OrderByDescending(i => i.Score).Select(i => i.ItemId), answer.Items.Select(i => i.ItemId));
    }

    [Fact]
    public async Task Recommend_ExcludeProductTypeAndItems_NoneReturned()
    {
        var client = await TestData.NewCatalogAsync(Grains, 45);

        var answer = await client.RecommendAsync(TestData.Unique("user"),
            new RecommendQuery(K: 100, Rules: [FieldRule.Exclude("product_type", "FILM")], ExcludeItemIds: ["item-0", "item-1"]));

        Assert.Equal(45 - 15 - 2, answer.Items.Length);
        Assert.DoesNotContain(answer.Items, i => ProductTypeOf(i.ItemId) == "film");
        Assert.DoesNotContain(answer.Items, i => i.ItemId is "item-0" or "item-1");
    }

    [Fact]
    public async Task Recommend_LimitPerProductType_AtMostNOfEach()
    {
        var client = await TestData.NewCatalogAsync(Grains, 90);
        string userId = TestData.Unique("user");

        var answer = await client.RecommendAsync(userId, new RecommendQuery(K: 6, LimitField: "product_type", LimitPerValue: 2));

        Assert.Equal(6, answer.Items.Length);
        Assert.All(answer.Items.GroupBy(i => i.Group), g => Assert.Equal(2, g.Count()));
        Assert.Equal(3, answer.Items.Select(i => i.Group).Distinct().Count());
        Assert.All(answer.Items, i => Assert.Equal(ProductTypeOf(i.ItemId), i.Group));
        var unlimited = await client.RecommendAsync(userId, new RecommendQuery(K: 90));
        foreach (var type in TestData.ProductTypes)
        {
            var best = unlimited.Items.Where(i => ProductTypeOf(i.ItemId) == type).Take(2).Select(i => i.ItemId);
            Assert.Equal(best.Order(), answer.Items.Where(i => i.Group == type).Select(i => i.ItemId).Order());
        }
    }

    [Fact]
    public async Task Recommend_ProfileRuleAsData_AppliesOnlyToMatchingUsers()
    {
        var client = await TestData.NewCatalogAsync(Grains, 30);
        string young = TestData.Unique("user"), older = TestData.Unique("user");
        await client.SetProfileAsync(young, new Dictionary<string, string> { ["age_group"] = "18-25" });
        await client.SetProfileAsync(older, new Dictionary<string, string> { ["age_group"] = "41+" });
        const string rules = """[{ "name": "young-no-a", "when": { "profile.age_group": "18-25" }, "exclude": { "category": ["a"] } }]""";

        var forYoung = await client.RecommendAsync(young, new RecommendQuery(K: 100, RulesJson: rules));
        var forOlder = await client.RecommendAsync(older, new RecommendQuery(K: 100, RulesJson: rules));

        Assert.Equal(["young-no-a"], forYoung.AppliedRules);
        Assert.Equal(20, forYoung.Items.Length);
        Assert.DoesNotContain(forYoung.Items, i => CategoryOf(i.ItemId) == "a");
        Assert.Empty(forOlder.AppliedRules);
        Assert.Equal(30, forOlder.Items.Length);
    }

    [Fact]
    public async Task Recommend_ContextRuleAsData_RequiresProductType()
    {
        var client = await TestData.NewCatalogAsync(Grains, 45);
        const string rules = """[{ "name": "mobile-music", "when": { "context.device": "mobile" }, "require": { "product_type": ["music"] } }]""";

        var mobile = await client.RecommendAsync(TestData.Unique("user"),
            new RecommendQuery(K: 5, RulesJson: rules, Context: new() { ["device"] = "Mobile" }));
        var desktop = await client.RecommendAsync(TestData.Unique("user"),
            new RecommendQuery(K: 100, RulesJson: rules, Context: new() { ["device"] = "desktop" }));

        Assert.Equal(5, mobile.Items.Length);
        Assert.All(mobile.Items, i => Assert.Equal("music", ProductTypeOf(i.ItemId)));
        Assert.Equal(45, desktop.Items.Length);
    }

    [Fact]
    public async Task Recommend_SiloRuleFromConfiguration_AppliesOnMatchingContext()
    {
        var client = await TestData.NewCatalogAsync(Grains, 30);

        var kids = await client.RecommendAsync(TestData.Unique("user"), new RecommendQuery(K: 100, Context: new() { ["channel"] = "kids" }));

        Assert.Equal(["kids-no-c"], kids.AppliedRules);
        Assert.Equal(20, kids.Items.Length);
        Assert.DoesNotContain(kids.Items, i => CategoryOf(i.ItemId) == "c");
    }

    [Fact]
    public async Task Recommend_SlowShard_PartialAnswerNamingAnsweredShards()
    {
        var client = new GrainInterfaces.Client.RecoClient(Grains, ClusterFixture.SlowCatalog);
        await client.UpsertItemsAsync(TestData.Items(80));
        var deadline = TimeSpan.FromMilliseconds(300);

        var started = DateTime.UtcNow;
        var answer = await client.RecommendAsync(TestData.Unique("user"), new RecommendQuery(K: 100, Deadline: deadline));
        var took = DateTime.UtcNow - started;

        Assert.True(answer.Partial, "The answer should be flagged partial while shard 3 is slow.");
        Assert.Equal(Enumerable.Range(0, 8).Where(s => s != ClusterFixture.SlowShard), answer.AnsweredShards);
        Assert.True(took < ClusterFixture.SlowShardDelay, $"The query took {took}, as long as the slow shard; it should stop at the deadline.");
        var fromSlow = TestData.Items(80).Select(i => i.ItemId)
            .Where(id => ItemSharding.ShardOf(id, 8) == ClusterFixture.SlowShard).ToHashSet();
        Assert.NotEmpty(fromSlow);
        Assert.Equal(80 - fromSlow.Count, answer.Items.Length);
        Assert.DoesNotContain(answer.Items, i => fromSlow.Contains(i.ItemId));
    }

    [Fact]
    public async Task Recommend_ShardMissesDeadline_ItsSearchIsCancelled()
    {
        var cancelled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var listener = new System.Diagnostics.Metrics.MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == Telemetry.RecoMetrics.MeterName && instrument.Name == "reco.shard.searches.cancelled") l.EnableMeasurementEvents(instrument);
        };
        listener.SetMeasurementEventCallback<long>((_, _, tags, _) =>
        {
            var t = tags.ToArray();
            if (t.Any(x => x is { Key: "catalog", Value: ClusterFixture.SlowCatalog }) && t.Any(x => x.Key == "shard" && x.Value is ClusterFixture.SlowShard))
                cancelled.TrySetResult();
        });
        listener.Start();
        var client = new GrainInterfaces.Client.RecoClient(Grains, ClusterFixture.SlowCatalog);
        await client.UpsertItemsAsync(TestData.Items(80));

        var answer = await client.RecommendAsync(TestData.Unique("user"), new RecommendQuery(K: 10, Deadline: TimeSpan.FromMilliseconds(200)));

        Assert.True(answer.Partial);
        // Without cancellation the slow shard would finish its search after its delay and never count a cancel.
        var stopped = await Task.WhenAny(cancelled.Task, Task.Delay(ClusterFixture.SlowShardDelay / 2));
        Assert.True(stopped == cancelled.Task,
            $"Shard {ClusterFixture.SlowCatalog}/{ClusterFixture.SlowShard} was not cancelled within {(ClusterFixture.SlowShardDelay / 2).TotalSeconds} s of missing the deadline.");
    }

    [Fact]
    public async Task RecommendForProfile_AnonymousUser_SameAsKnownUserWithSameData()
    {
        var client = await TestData.NewCatalogAsync(Grains, 40);
        var profile = new Dictionary<string, string> { ["age_group"] = "26-40" };
        UserEvent[] events = [TestData.Event("item-3"), TestData.Event("item-30", type: "purchase")];
        string userId = TestData.Unique("user");
        await client.SetProfileAsync(userId, profile);
        await client.SendEventsAsync(userId, events);

        var anonymous = await client.RecommendForProfileAsync(profile, events, new RecommendQuery(K: 8));
        var known = await client.RecommendAsync(userId, new RecommendQuery(K: 8));

        Assert.Equal(known.Items.Select(i => i.ItemId), anonymous.Items.Select(i => i.ItemId));
        Assert.DoesNotContain(anonymous.Items, i => i.ItemId is "item-3" or "item-30");
        var featuresOnly = await client.RecommendForProfileAsync(profile, null, new RecommendQuery(K: 8));
        Assert.Equal(8, featuresOnly.Items.Length);
        Assert.NotEqual(featuresOnly.Items, anonymous.Items);
    }

    [Fact]
    public async Task Score_UserItemPairs_MatchRecommendationScoresInRequestOrder()
    {
        var client = await TestData.NewCatalogAsync(Grains, 25);
        string userId = TestData.Unique("user");
        await client.SendEventsAsync(userId, TestData.Event("item-9"));
        var answer = await client.RecommendAsync(userId, new RecommendQuery(K: 5));
        string[] asked = [answer.Items[3].ItemId, "unknown-item", answer.Items[0].ItemId];

        var scores = await client.ScoreAsync(userId, asked);

        Assert.Equal(asked, scores.Select(s => s.ItemId));
        Assert.Equal(answer.Items[3].Score, scores[0].Score!.Value, 5);
        Assert.Null(scores[1].Score);
        Assert.Equal(answer.Items[0].Score, scores[2].Score!.Value, 5);
    }

    [Fact]
    public async Task Recommend_InvalidQuery_ThrowsNamingTheField()
    {
        var client = await TestData.NewCatalogAsync(Grains, 3);

        var k = await Assert.ThrowsAsync<ArgumentException>(() => client.RecommendAsync("u", new RecommendQuery(K: 0)));
        var rules = await Assert.ThrowsAsync<ArgumentException>(() => client.RecommendAsync("u", new RecommendQuery(RulesJson: "{")));

        Assert.Contains("K must be", k.Message);
        Assert.Contains("RulesJson", rules.Message);
    }
}
