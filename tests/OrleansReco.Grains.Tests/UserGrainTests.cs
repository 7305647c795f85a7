using Microsoft.Extensions.DependencyInjection;
using OrleansReco.GrainInterfaces;
using OrleansReco.GrainInterfaces.Client;

namespace OrleansReco.Grains.Tests;

[Collection(ClusterCollection.Name)]
public sealed class UserGrainTests(ClusterFixture fixture)
{
    private IGrainFactory Grains => fixture.Cluster.GrainFactory;

    [Fact]
    public async Task RecordEvents_NewEvent_ChangesEmbeddingAndRecommendations()
    {
        var client = await TestData.NewCatalogAsync(Grains, 40);
        string userId = TestData.Unique("user");
        var user = Grains.GetGrain<IUserGrain>(userId);
        var before = await user.GetEmbeddingAsync();
        var recommendedBefore = await client.RecommendAsync(userId, new RecommendQuery(K: 10));

        var ack = await client.SendEventsAsync(userId, TestData.Event("item-7"), TestData.Event("item-21"));

        Assert.Equal(2, ack.Accepted);
        Assert.Equal(fixture.ModelVersion, ack.ModelVersion);
        var after = await user.GetEmbeddingAsync();
        Assert.NotEqual(before.Vector, after.Vector);
        var recommendedAfter = await client.RecommendAsync(userId, new RecommendQuery(K: 10));
        Assert.NotEqual(recommendedBefore.Items, recommendedAfter.Items);
        Assert.DoesNotContain(recommendedAfter.Items, i => i.ItemId is "item-7" or "item-21");
    }

    [Fact]
    public async Task RecordEvents_RepeatedEventId_ChangesNothing()
    {
        string userId = TestData.Unique("user");
        var user = Grains.GetGrain<IUserGrain>(userId);
        var first = TestData.Event("item-3", eventId: "e-1");
        await user.RecordEventsAsync([first]);
        var before = await user.GetContextAsync();

        var ack = await user.RecordEventsAsync([first with { ItemId = "item-9", Timestamp = first.Timestamp + 5 }]);

        Assert.Equal(0, ack.Accepted);
        Assert.Equal(1, ack.Duplicates);
        var after = await user.GetContextAsync();
        Assert.Equal(before.Vector, after.Vector);
        Assert.Equal(before.SeenItemIds, after.SeenItemIds);
        Assert.Equal(1, after.EventCount);
    }

    [Fact]
    public async Task Recommend_NewUser_ServedFromProfileThenFromFirstEvent()
    {
        var client = await TestData.NewCatalogAsync(Grains, 30);
        string userId = TestData.Unique("user");

        var cold = await client.RecommendAsync(userId, new RecommendQuery(K: 5));
        Assert.Equal(5, cold.Items.Length);

        var young = await client.SetProfileAsync(userId, new Dictionary<string, string> { ["age_group"] = "18-25" });
        var old = await Grains.GetGrain<IUserGrain>(TestData.Unique("user")).SetProfileAsync(new Dictionary<string, string> { ["age_group"] = "41+" });
        Assert.NotEqual(young.Vector, old.Vector);
        var fromProfile = await client.RecommendAsync(userId, new RecommendQuery(K: 5));
        Assert.Equal(5, fromProfile.Items.Length);

        await client.SendEventsAsync(userId, TestData.Event("item-4"));
        var fromEvent = await client.RecommendAsync(userId, new RecommendQuery(K: 5));
        Assert.Equal(5, fromEvent.Items.Length);
        Assert.NotEqual(fromProfile.Items, fromEvent.Items);
        Assert.DoesNotContain(fromEvent.Items, i => i.ItemId == "item-4");
    }

    [Fact]
    public async Task AddRecoClient_FromContainer_SendsEventsAndRecommends()
    {
        var services = new ServiceCollection().AddSingleton(Grains);
        services.AddRecoClient(catalog: "di-client");
        using var provider = services.BuildServiceProvider();
        var client = provider.GetRequiredService<IRecoClient>();
        await client.UpsertItemsAsync(TestData.Items(6));
        string userId = TestData.Unique("user");

        var ack = await client.SendEventsAsync(userId, TestData.Event("item-0"));
        var answer = await client.RecommendAsync(userId);

        Assert.Equal("di-client", client.Catalog);
        Assert.Equal(1, ack.Accepted);
        Assert.Equal(5, answer.Items.Length);
    }
}
