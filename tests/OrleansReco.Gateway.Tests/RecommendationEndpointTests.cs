using System.Net;
using System.Text.Json;

namespace OrleansReco.Gateway.Tests;

[Collection(GatewayCollection.Name)]
public sealed class RecommendationEndpointTests(GatewayFixture fx)
{
    private HttpClient Reader() => fx.Factory.Client(GatewayFactory.ReadKey);

    private static Dictionary<string, string> CategoryById() =>
        Enumerable.Range(0, GatewayFixture.ItemCount).ToDictionary(GatewayFixture.ItemId, GatewayFixture.CategoryOf);

    [Fact]
    public async Task GetRecommendations_UnknownUser_ColdStartAnswerWithShards()
    {
        using var client = Reader();
        var r = await (await client.GetAsync("/v1/users/never-seen/recommendations")).JsonAsync();
        Assert.Equal(10, r.GetProperty("items").GetArrayLength());
        Assert.False(r.GetProperty("partial").GetBoolean());
        Assert.Equal(r.GetProperty("shard_count").GetInt32(), r.GetProperty("answered_shards").GetInt32());
        var scores = r.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("score").GetSingle()).ToArray();
        Assert.Equal(scores.OrderByDescending(s => s), scores);
    }

    [Fact]
    public async Task GetRecommendations_Categories_OnlyThoseCategories()
    {
        using var client = Reader();
        var r = await (await client.GetAsync("/v1/users/cat-user/recommendations?k=15&categories=a,b")).JsonAsync();
        var ids = r.GetProperty("items").Strings("item_id");
        Assert.Equal(15, ids.Length);
        Assert.All(ids, id => Assert.Contains(CategoryById()[id], new[] { "a", "b" }));

        var x = await (await client.GetAsync("/v1/users/cat-user/recommendations?k=15&exclude_categories=a")).JsonAsync();
        Assert.All(x.GetProperty("items").Strings("item_id"), id => Assert.NotEqual("a", CategoryById()[id]));
    }

    [Fact]
    public async Task GetRecommendations_PerField_LimitsEachGroup()
    {
        using var client = Reader();
        var r = await (await client.GetAsync("/v1/users/group-user/recommendations?k=6&per_field=category&n_per=2")).JsonAsync();
        var items = r.GetProperty("items").EnumerateArray().ToArray();
        Assert.Equal(6, items.Length);
        var groups = items.GroupBy(i => i.GetProperty("group").GetString()).ToArray();
        Assert.Equal(3, groups.Length);
        Assert.All(groups, g => Assert.Equal(2, g.Count()));
    }

    [Theory]
    [InlineData("k=0", "k")]
    [InlineData("k=-3", "k")]
    [InlineData("k=abc", "k")]
    [InlineData("k=NaN", "k")]
    [InlineData("k=101", "k")]
    [InlineData("k=99999999999", "k")]
    [InlineData("exclude_seen=maybe", "exclude_seen")]
    [InlineData("per_field=category&n_per=0", "n_per")]
    [InlineData("n_per=2", "per_field")]
    public async Task GetRecommendations_BadQuery_Returns400NamingTheParameter(string query, string field)
    {
        using var client = Reader();
        await (await client.GetAsync($"/v1/users/u1/recommendations?{query}")).AssertProblemAsync(HttpStatusCode.BadRequest, field);
    }

    [Fact]
    public async Task GetRecommendations_OverlongUserId_Returns400()
    {
        using var client = Reader();
        await (await client.GetAsync($"/v1/users/{new string('u', 300)}/recommendations")).AssertProblemAsync(HttpStatusCode.BadRequest, "id");
    }

    [Fact]
    public async Task PostRecommendations_ProfileAndRecentEvents_ExcludesRecentItems()
    {
        using var client = Reader();
        var r = await (await client.PostJsonAsync("/v1/recommendations",
            """{"profile":{"age_group":"18-25"},"recent_events":[{"item_id":"item-004","type":"purchase"}],"k":8,"categories":["a","b","c"]}"""))
            .JsonAsync();
        var ids = r.GetProperty("items").Strings("item_id");
        Assert.Equal(8, ids.Length);
        Assert.DoesNotContain("item-004", ids);
        Assert.False(r.TryGetProperty("user_id", out _));
    }

    [Theory]
    [InlineData("""{"k":"NaN"}""", "k")]
    [InlineData("""{"k":0}""", "k")]
    [InlineData("""{"k":1.5}""", "k")]
    [InlineData("""{"profile":["a"]}""", "profile")]
    [InlineData("""{"recent_events":[{"item_id":"i","type":"fly"}]}""", "recent_events[0].type")]
    [InlineData("""{"recent_events":{}}""", "recent_events")]
    [InlineData("""{"exclude_seen":"yes"}""", "exclude_seen")]
    [InlineData("""{"categories":[1,2]}""", "categories[0]")]
    [InlineData("[1]", "body")]
    public async Task PostRecommendations_BadBody_Returns400NamingTheField(string body, string field)
    {
        using var client = Reader();
        await (await client.PostJsonAsync("/v1/recommendations", body)).AssertProblemAsync(HttpStatusCode.BadRequest, field);
    }

    [Fact]
    public async Task Similar_KnownItem_ExcludesTheItemItself()
    {
        using var client = Reader();
        var r = await (await client.GetAsync("/v1/items/item-010/similar?k=7")).JsonAsync();
        var ids = r.GetProperty("items").Strings("item_id");
        Assert.Equal(7, ids.Length);
        Assert.DoesNotContain("item-010", ids);
        Assert.Equal("item-010", r.GetProperty("item_id").GetString());
    }

    [Fact]
    public async Task Similar_UnknownItem_Returns404()
    {
        using var client = Reader();
        await (await client.GetAsync("/v1/items/no-such-item/similar")).AssertProblemAsync(HttpStatusCode.NotFound);
        await (await client.GetAsync("/v1/items/item-001/similar?k=0")).AssertProblemAsync(HttpStatusCode.BadRequest, "k");
    }

    [Fact]
    public async Task Scores_KnownAndUnknownItems_NullScoreForUnknown()
    {
        using var client = Reader();
        var r = await (await client.PostJsonAsync("/v1/scores", """{"user_id":"score-user","item_ids":["item-001","nope","item-002"]}""")).JsonAsync();
        Assert.Equal("score-user", r.GetProperty("user_id").GetString());
        var scores = r.GetProperty("scores").EnumerateArray().ToArray();
        Assert.Equal(["item-001", "nope", "item-002"], scores.Select(s => s.GetProperty("item_id").GetString()));
        Assert.Equal(JsonValueKind.Number, scores[0].GetProperty("score").ValueKind);
        Assert.Equal(JsonValueKind.Null, scores[1].GetProperty("score").ValueKind);
        Assert.InRange(scores[2].GetProperty("score").GetSingle(), -1.001f, 1.001f);
    }

    [Theory]
    [InlineData("""{"item_ids":["a"]}""", "user_id")]
    [InlineData("""{"user_id":5,"item_ids":["a"]}""", "user_id")]
    [InlineData("""{"user_id":"u","item_ids":"a"}""", "item_ids")]
    [InlineData("""{"user_id":"u","item_ids":[]}""", "item_ids")]
    [InlineData("""{"user_id":"u","item_ids":["a",null]}""", "item_ids[1]")]
    public async Task Scores_BadBody_Returns400NamingTheField(string body, string field)
    {
        using var client = Reader();
        await (await client.PostJsonAsync("/v1/scores", body)).AssertProblemAsync(HttpStatusCode.BadRequest, field);
    }
}
