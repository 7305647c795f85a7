using System.Net;
using Microsoft.Extensions.Options;

namespace OrleansReco.Gateway.Tests;

[Collection(GatewayCollection.Name)]
public sealed class SecurityAndObservabilityTests(GatewayFixture fx)
{
    [Fact]
    public async Task V1_WithoutKey_Returns401()
    {
        using var client = fx.Factory.Client(key: null);
        await (await client.GetAsync("/v1/users/u1/recommendations")).AssertProblemAsync(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task V1_UnknownKey_Returns401()
    {
        using var client = fx.Factory.Client("not-a-configured-key-at-all");
        await (await client.GetAsync("/v1/items/item-001")).AssertProblemAsync(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task ScopeTooLow_Returns403()
    {
        using var reader = fx.Factory.Client(GatewayFactory.ReadKey);
        await (await reader.PostJsonAsync("/v1/events", """[{"user_id":"u","item_id":"i","type":"view"}]""")).AssertProblemAsync(HttpStatusCode.Forbidden);
        using var writer = fx.Factory.Client(GatewayFactory.WriteKey);
        await (await writer.PostAsync("/v1/model/retrain", null)).AssertProblemAsync(HttpStatusCode.Forbidden);
        // write implies read
        Assert.Equal(HttpStatusCode.OK, (await writer.GetAsync("/v1/items/item-001")).StatusCode);
    }

    [Fact]
    public async Task LimitedKey_OverItsBurst_Returns429()
    {
        using var client = fx.Factory.Client(GatewayFactory.LimitedKey);
        var statuses = new List<HttpStatusCode>();
        for (int i = 0; i < 4; i++) statuses.Add((await client.GetAsync("/v1/items/item-001")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, statuses[0]);
        Assert.Contains(HttpStatusCode.TooManyRequests, statuses);
        var limited = await client.GetAsync("/v1/items/item-001");
        if (limited.StatusCode == HttpStatusCode.TooManyRequests) await limited.AssertProblemAsync(HttpStatusCode.TooManyRequests);
    }

    [Fact]
    public async Task OpenEndpoints_NeedNoKey()
    {
        using var client = fx.Factory.Client(key: null);
        Assert.Equal("Healthy", await client.GetStringAsync("/healthz"));
        var ready = await (await client.GetAsync("/readyz")).JsonAsync();
        Assert.Equal("gw-test-v1", ready.GetProperty("model_version").GetString());
        string docs = await client.GetStringAsync("/docs");
        Assert.Contains("OrleansReco HTTP API", docs);
        string openApi = await client.GetStringAsync("/openapi/v1.json");
        foreach (var path in new[] { "/v1/events", "/v1/users/{id}/recommendations", "/v1/items/{id}/similar", "/v1/scores", "/v1/model/publish" })
            Assert.Contains($"\"{path}\"", openApi);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/v1/nothing-here")).StatusCode);
    }

    [Fact]
    public void Start_WithoutAnyKey_RefusesNamingTheKeysToSet()
    {
        var settings = GatewayFactory.BaseSettings().Where(p => !p.Key.Contains("ApiKeys")).ToDictionary();
        using var factory = new GatewayFactory(settings);
        var error = Assert.ThrowsAny<Exception>(() => factory.CreateClient());
        var validation = error as OptionsValidationException ?? error.InnerException as OptionsValidationException;
        Assert.NotNull(validation);
        Assert.Contains("RECO_API_KEY", validation.Message);
        Assert.Contains("Reco__Gateway__ApiKeys__0__Key", validation.Message);
    }

    [Fact]
    public void Options_BadValues_NameTheKeys()
    {
        var o = new Hosting.GatewayOptions { Mode = "Sideways", MaxBatch = 0, ApiKeys = [new() { Name = "k", Key = "short", Scopes = ["root"] }] };
        var result = new Hosting.GatewayOptionsValidator().Validate(null, o);
        Assert.True(result.Failed);
        Assert.Contains("Reco__Gateway__Mode", result.FailureMessage);
        Assert.Contains("Reco__Gateway__MaxBatch", result.FailureMessage);
        Assert.Contains("Reco__Gateway__ApiKeys__0__Key", result.FailureMessage);
        Assert.Contains("unknown scope 'root'", result.FailureMessage);
        Assert.DoesNotContain("short", result.FailureMessage.Replace("Key (env", ""));
    }
}
