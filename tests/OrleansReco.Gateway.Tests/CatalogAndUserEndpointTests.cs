using System.Net;

namespace OrleansReco.Gateway.Tests;

[Collection(GatewayCollection.Name)]
public sealed class CatalogAndUserEndpointTests(GatewayFixture fx)
{
    [Fact]
    public async Task PutItem_NewThenReplaced_201Then200AndReadBack()
    {
        using var client = fx.Factory.Client(GatewayFactory.CatalogueKey);
        string id = "put-" + Guid.NewGuid().ToString("N")[..8];
        var created = await (await client.PutJsonAsync($"/v1/items/{id}", """{"features":{"category":"b","price":12.5},"metadata":{"brand":"x"}}"""))
            .JsonAsync(HttpStatusCode.Created);
        Assert.True(created.GetProperty("created").GetBoolean());
        var replaced = await (await client.PutJsonAsync($"/v1/items/{id}", """{"features":{"category":"c","price":3},"available":false}""")).JsonAsync();
        Assert.False(replaced.GetProperty("created").GetBoolean());

        var item = await (await client.GetAsync($"/v1/items/{id}")).JsonAsync();
        Assert.Equal("c", item.GetProperty("features").GetProperty("category").GetString());
        Assert.Equal("3", item.GetProperty("features").GetProperty("price").GetString());
        Assert.False(item.GetProperty("available").GetBoolean());
    }

    [Fact]
    public async Task PostItems_Bulk_AddsAllThenDeleteRemovesOne()
    {
        using var client = fx.Factory.Client(GatewayFactory.CatalogueKey);
        string prefix = "bulk-" + Guid.NewGuid().ToString("N")[..6];
        var result = await (await client.PostJsonAsync("/v1/items",
            $$$"""{"items":[{"item_id":"{{{prefix}}}-1","features":{"category":"a"}},{"item_id":"{{{prefix}}}-2","features":{"category":"b","tags":["x","y"]}}]}"""))
            .JsonAsync();
        Assert.Equal(2, result.GetProperty("added").GetInt32());
        var tags = (await (await client.GetAsync($"/v1/items/{prefix}-2")).JsonAsync()).GetProperty("features").GetProperty("tags").GetString();
        Assert.Equal("x|y", tags);

        Assert.Equal(HttpStatusCode.NoContent, (await client.DeleteAsync($"/v1/items/{prefix}-1")).StatusCode);
        await (await client.DeleteAsync($"/v1/items/{prefix}-1")).AssertProblemAsync(HttpStatusCode.NotFound);
        await (await client.GetAsync($"/v1/items/{prefix}-1")).AssertProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task ListItems_CategoryFilter_PagesInIdOrder()
    {
        using var client = fx.Factory.Client(GatewayFactory.ReadKey);
        var first = await (await client.GetAsync("/v1/items?category=a&limit=5")).JsonAsync();
        var second = await (await client.GetAsync("/v1/items?category=a&limit=5&offset=5")).JsonAsync();
        var ids = first.GetProperty("items").Strings("item_id").Concat(second.GetProperty("items").Strings("item_id")).ToArray();
        Assert.Equal(10, ids.Length);
        Assert.Equal(ids.Order(StringComparer.Ordinal), ids);
        Assert.All(first.GetProperty("items").EnumerateArray(), i => Assert.Equal("a", i.GetProperty("features").GetProperty("category").GetString()));
        Assert.True(first.GetProperty("total").GetInt32() >= GatewayFixture.ItemCount / 3);
        await (await client.GetAsync("/v1/items?limit=0")).AssertProblemAsync(HttpStatusCode.BadRequest, "limit");
        await (await client.GetAsync("/v1/items?offset=-1")).AssertProblemAsync(HttpStatusCode.BadRequest, "offset");
    }

    [Theory]
    [InlineData("""{"features":["a"]}""", "features")]
    [InlineData("""{"features":{"price":{"x":1}}}""", "features.price")]
    [InlineData("""{"available":"yes"}""", "available")]
    [InlineData("""[]""", "body")]
    public async Task PutItem_BadBody_Returns400NamingTheField(string body, string field)
    {
        using var client = fx.Factory.Client(GatewayFactory.CatalogueKey);
        await (await client.PutJsonAsync("/v1/items/bad-item", body)).AssertProblemAsync(HttpStatusCode.BadRequest, field);
    }

    [Theory]
    [InlineData("""{"items":[{"features":{}}]}""", "items[0].item_id")]
    [InlineData("""{"items":[{"item_id":3}]}""", "items[0].item_id")]
    [InlineData("""{"items":[]}""", "items")]
    [InlineData("""{"items":"x"}""", "items")]
    public async Task PostItems_BadBody_Returns400NamingTheField(string body, string field)
    {
        using var client = fx.Factory.Client(GatewayFactory.CatalogueKey);
        await (await client.PostJsonAsync("/v1/items", body)).AssertProblemAsync(HttpStatusCode.BadRequest, field);
    }

    [Fact]
    public async Task PutUser_Profile_ShownByGetUser()
    {
        using var client = fx.Factory.Client(GatewayFactory.WriteKey);
        string user = "p-" + Guid.NewGuid().ToString("N")[..8];
        var saved = await (await client.PutJsonAsync($"/v1/users/{user}", """{"features":{"age_group":"26-40"}}""")).JsonAsync();
        Assert.Equal("gw-test-v1", saved.GetProperty("model_version").GetString());
        using var support = fx.Factory.Client(GatewayFactory.UsersReadKey);
        var got = await (await support.GetAsync($"/v1/users/{user}")).JsonAsync();
        Assert.Equal("26-40", got.GetProperty("profile").GetProperty("age_group").GetString());
        Assert.Equal(0, got.GetProperty("history").GetArrayLength());
    }

    [Fact]
    public async Task GetUser_Unknown_Returns404_AndBadProfile400()
    {
        using var client = fx.Factory.Client(GatewayFactory.WriteKey);
        using var support = fx.Factory.Client(GatewayFactory.UsersReadKey);
        await (await support.GetAsync("/v1/users/nobody-at-all")).AssertProblemAsync(HttpStatusCode.NotFound);
        await (await client.PutJsonAsync("/v1/users/u1", """{"features":5}""")).AssertProblemAsync(HttpStatusCode.BadRequest, "features");
        await (await client.PutJsonAsync("/v1/users/u1", """{}""")).AssertProblemAsync(HttpStatusCode.BadRequest, "features");
    }
}
