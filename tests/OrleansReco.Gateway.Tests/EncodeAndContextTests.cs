using System.Net;
using System.Text.Json;

namespace OrleansReco.Gateway.Tests;

/// <summary><c>POST /v1/users/encode</c>, and the request context and per-query rules of recommendation requests.</summary>
[Collection(GatewayCollection.Name)]
public sealed class EncodeAndContextTests(GatewayFixture fx)
{
    private static float[] Embedding(JsonElement answer) =>
        answer.GetProperty("embedding").EnumerateArray().Select(v => v.GetSingle()).ToArray();

    /// <summary>The categories of the listed items, as the catalogue stores them (other tests add items of their own).</summary>
    private async Task<string?[]> CategoriesAsync(JsonElement answer)
    {
        using var reader = fx.Factory.Client(GatewayFactory.ReadKey);
        var categories = new List<string?>();
        foreach (var id in answer.GetProperty("items").Strings("item_id"))
        {
            var item = await (await reader.GetAsync($"/v1/items/{Uri.EscapeDataString(id)}")).JsonAsync();
            categories.Add(item.GetProperty("features").TryGetProperty("category", out var c) ? c.GetString() : null);
        }
        return categories.ToArray();
    }

    [Fact]
    public async Task Encode_StoredUserWithAProfile_SameVectorAsThatProfileSentAnonymously()
    {
        string user = "encode-" + Guid.NewGuid().ToString("N")[..8];
        using var writer = fx.Factory.Client(GatewayFactory.WriteKey);
        await (await writer.PutJsonAsync($"/v1/users/{user}", """{"features":{"age_group":"18-25"}}""")).JsonAsync();
        using var reader = fx.Factory.Client(GatewayFactory.ReadKey);

        var stored = await (await reader.PostJsonAsync("/v1/users/encode", $$"""{"user_id":"{{user}}"}""")).JsonAsync();
        var anonymous = await (await reader.PostJsonAsync("/v1/users/encode", """{"profile":{"age_group":"18-25"}}""")).JsonAsync();
        var other = await (await reader.PostJsonAsync("/v1/users/encode", """{"profile":{"age_group":"18-25"},"recent_events":[{"item_id":"item-007","type":"purchase"}]}""")).JsonAsync();

        float[] v = Embedding(stored);
        Assert.Equal("gw-test-v1", stored.GetProperty("model_version").GetString());
        Assert.Equal("gw-test-v1", anonymous.GetProperty("model_version").GetString());
        Assert.Equal(SmallModel.Dimension, v.Length);
        Assert.Equal(1f, MathF.Sqrt(v.Sum(x => x * x)), 3);
        Assert.Equal(v, Embedding(anonymous), (a, b) => MathF.Abs(a - b) < 1e-5f);
        Assert.NotEqual(v, Embedding(other), (a, b) => MathF.Abs(a - b) < 1e-5f); // a purchase moves the vector
    }

    [Fact]
    public async Task Encode_UserNeverSeen_ColdStartEmbeddingOfAnEmptyProfile()
    {
        using var reader = fx.Factory.Client(GatewayFactory.ReadKey);
        var unknown = await (await reader.PostJsonAsync("/v1/users/encode", """{"user_id":"encode-never-seen"}""")).JsonAsync();
        var empty = await (await reader.PostJsonAsync("/v1/users/encode", """{"profile":{}}""")).JsonAsync();
        Assert.Equal(Embedding(empty), Embedding(unknown), (a, b) => MathF.Abs(a - b) < 1e-5f);
    }

    [Theory]
    [InlineData("{}", "user_id")]
    [InlineData("""{"user_id":"u1","profile":{"age_group":"18-25"}}""", "user_id")]
    [InlineData("""{"user_id":"u1","recent_events":[]}""", "user_id")]
    [InlineData("""{"user_id":5}""", "user_id")]
    [InlineData("""{"user_id":" "}""", "user_id")]
    [InlineData("""{"profile":"young"}""", "profile")]
    [InlineData("""{"recent_events":[{"item_id":"i","type":"fly"}]}""", "recent_events[0].type")]
    [InlineData("[1]", "body")]
    public async Task Encode_BadBody_Returns400NamingTheField(string body, string field)
    {
        using var reader = fx.Factory.Client(GatewayFactory.ReadKey);
        await (await reader.PostJsonAsync("/v1/users/encode", body)).AssertProblemAsync(HttpStatusCode.BadRequest, field);
    }

    [Fact]
    public async Task GetRecommendations_ContextInQuery_FiresTheSiloContextRule()
    {
        using var reader = fx.Factory.Client(GatewayFactory.ReadKey);
        var kids = await (await reader.GetAsync("/v1/users/ctx-user/recommendations?k=30&context.channel=kids")).JsonAsync();
        var plain = await (await reader.GetAsync("/v1/users/ctx-user/recommendations?k=30")).JsonAsync();

        Assert.Equal(["kids-no-c"], kids.GetProperty("applied_rules").EnumerateArray().Select(r => r.GetString()));
        Assert.Equal(30, kids.GetProperty("items").GetArrayLength());
        Assert.DoesNotContain("c", await CategoriesAsync(kids));
        Assert.Equal(0, plain.GetProperty("applied_rules").GetArrayLength());
        Assert.Contains("c", await CategoriesAsync(plain));
    }

    [Fact]
    public async Task PostRecommendations_ContextObject_FiresTheSiloContextRule()
    {
        using var reader = fx.Factory.Client(GatewayFactory.ReadKey);
        var kids = await (await reader.PostJsonAsync("/v1/recommendations", """{"profile":{"age_group":"18-25"},"k":30,"context":{"channel":"kids"}}""")).JsonAsync();
        Assert.Equal(["kids-no-c"], kids.GetProperty("applied_rules").EnumerateArray().Select(r => r.GetString()));
        Assert.DoesNotContain("c", await CategoriesAsync(kids));
    }

    private const string MobileRule = """[{"name":"mobile-a","when":{"context.device":"mobile"},"require":{"category":["a"]}}]""";

    [Fact]
    public async Task PostRecommendations_RulesWithAdminKey_ApplyWhenTheContextMatches()
    {
        using var admin = fx.Factory.Client(GatewayFactory.AdminKey);
        var mobile = await (await admin.PostJsonAsync("/v1/recommendations", $$"""{"k":10,"context":{"device":"mobile"},"rules":{{MobileRule}}}""")).JsonAsync();
        var desktop = await (await admin.PostJsonAsync("/v1/recommendations", $$"""{"k":30,"context":{"device":"desktop"},"rules":{{MobileRule}}}""")).JsonAsync();

        Assert.Equal(["mobile-a"], mobile.GetProperty("applied_rules").EnumerateArray().Select(r => r.GetString()));
        Assert.Equal(10, mobile.GetProperty("items").GetArrayLength());
        Assert.All(await CategoriesAsync(mobile), c => Assert.Equal("a", c));
        Assert.Equal(0, desktop.GetProperty("applied_rules").GetArrayLength());
        Assert.Contains(await CategoriesAsync(desktop), c => c != "a");
    }

    [Fact]
    public async Task PostRecommendations_RulesWithoutAdminKey_Returns403()
    {
        using var reader = fx.Factory.Client(GatewayFactory.ReadKey);
        using var writer = fx.Factory.Client(GatewayFactory.WriteKey);
        string body = $$"""{"k":5,"context":{"device":"mobile"},"rules":{{MobileRule}}}""";
        var refused = await (await reader.PostJsonAsync("/v1/recommendations", body)).AssertProblemAsync(HttpStatusCode.Forbidden);
        Assert.Contains("admin", refused.GetProperty("detail").GetString());
        await (await writer.PostJsonAsync("/v1/recommendations", body)).AssertProblemAsync(HttpStatusCode.Forbidden);
    }

    [Theory]
    [InlineData("""{"rules":{"when":{}}}""", "rules")]
    [InlineData("""{"rules":[{"name":"x","when":{"context.device":"mobile"}}]}""", "rules")]
    [InlineData("""{"context":["mobile"]}""", "context")]
    public async Task PostRecommendations_BadContextOrRules_Returns400NamingTheField(string body, string field)
    {
        using var admin = fx.Factory.Client(GatewayFactory.AdminKey);
        await (await admin.PostJsonAsync("/v1/recommendations", body)).AssertProblemAsync(HttpStatusCode.BadRequest, field);
    }
}
