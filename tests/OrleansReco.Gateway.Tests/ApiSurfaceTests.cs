using System.Diagnostics.Metrics;
using System.Net;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using OrleansReco.Gateway.Hosting;
using OrleansReco.Gateway.Security;

namespace OrleansReco.Gateway.Tests;

/// <summary>The HTTP surface as a whole: every route's scope, the scopes themselves, metric tags and input limits.</summary>
[Collection(GatewayCollection.Name)]
public sealed class ApiSurfaceTests(GatewayFixture fx)
{
    /// <summary>Every mapped route and the scope it needs ("none": no key). A new endpoint fails the test until it is listed here.</summary>
    internal static readonly Dictionary<string, string> ExpectedScopes = new(StringComparer.Ordinal)
    {
        ["POST /v1/events"] = "write",
        ["GET /v1/users/{id}/recommendations"] = "read",
        ["POST /v1/recommendations"] = "read",
        ["POST /v1/users/encode"] = "read",
        ["GET /v1/items/{id}/similar"] = "read",
        ["POST /v1/scores"] = "read",
        ["GET /v1/items/{id}"] = "read",
        ["GET /v1/items/"] = "read",
        ["PUT /v1/items/{id}"] = "catalogue",
        ["POST /v1/items/"] = "catalogue",
        ["DELETE /v1/items/{id}"] = "catalogue",
        ["GET /v1/users/{id}"] = "users:read",
        ["PUT /v1/users/{id}"] = "write",
        ["GET /v1/model"] = "read",
        ["POST /v1/model/retrain"] = "admin",
        ["POST /v1/model/publish"] = "admin",
        ["GET /v1/info"] = "none",
        ["GET /healthz"] = "none",
        ["GET /readyz"] = "none",
        ["GET /docs/{documentName?}"] = "none",
        ["GET /docs/scalar.js"] = "none",
        ["GET /docs/scalar.aspnetcore.js"] = "none",
        ["GET /docs/favicon.svg"] = "none",
        ["GET /openapi/{documentName}.json"] = "none",
    };

    [Fact]
    public void EveryMappedRoute_HasItsDeclaredScope()
    {
        _ = fx.Factory.Services; // the host, and with it every endpoint, is built
        var mapped = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var endpoint in fx.Factory.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>())
        {
            var methods = endpoint.Metadata.GetMetadata<Microsoft.AspNetCore.Routing.HttpMethodMetadata>()?.HttpMethods ?? ["*"];
            string scope = endpoint.Metadata.GetMetadata<RequiredScope>()?.Scope.Name() ?? "none";
            foreach (var method in methods) mapped[$"{method} {endpoint.RoutePattern.RawText}"] = scope;
        }

        var unlisted = mapped.Keys.Except(ExpectedScopes.Keys).Select(r => $"{r} ({mapped[r]})").ToArray();
        Assert.True(unlisted.Length == 0, $"Routes whose scope no test states (add them to {nameof(ExpectedScopes)}): {string.Join("; ", unlisted)}");
        Assert.Equal(ExpectedScopes.OrderBy(p => p.Key, StringComparer.Ordinal), mapped.OrderBy(p => p.Key, StringComparer.Ordinal));
    }

    [Fact]
    public async Task CatalogueChanges_NeedScopeCatalogue_NotWrite()
    {
        string id = "scoped-" + Guid.NewGuid().ToString("N")[..8];
        using var writer = fx.Factory.Client(GatewayFactory.WriteKey);
        using var catalogue = fx.Factory.Client(GatewayFactory.CatalogueKey);
        using var admin = fx.Factory.Client(GatewayFactory.AdminKey);

        var refused = await (await writer.PutJsonAsync($"/v1/items/{id}", """{"features":{"category":"a"}}""")).AssertProblemAsync(HttpStatusCode.Forbidden);
        Assert.Contains("catalogue", refused.GetProperty("detail").GetString());
        await (await writer.DeleteAsync("/v1/items/item-001")).AssertProblemAsync(HttpStatusCode.Forbidden);

        await (await catalogue.PutJsonAsync($"/v1/items/{id}", """{"features":{"category":"a"}}""")).JsonAsync(HttpStatusCode.Created);
        Assert.Equal(HttpStatusCode.OK, (await catalogue.GetAsync($"/v1/items/{id}")).StatusCode); // catalogue implies read
        await (await catalogue.PostJsonAsync("/v1/events", """[{"user_id":"u","item_id":"i","type":"view"}]""")).AssertProblemAsync(HttpStatusCode.Forbidden);
        Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync($"/v1/items/{id}")).StatusCode); // admin implies catalogue
    }

    [Fact]
    public async Task ReadingAUser_NeedsScopeUsersRead_NotRead()
    {
        string user = "scoped-" + Guid.NewGuid().ToString("N")[..8];
        using var writer = fx.Factory.Client(GatewayFactory.WriteKey);
        await (await writer.PutJsonAsync($"/v1/users/{user}", """{"features":{"age_group":"26-40"}}""")).JsonAsync();
        using var reader = fx.Factory.Client(GatewayFactory.ReadKey);
        using var support = fx.Factory.Client(GatewayFactory.UsersReadKey);
        using var admin = fx.Factory.Client(GatewayFactory.AdminKey);

        await (await reader.GetAsync($"/v1/users/{user}")).AssertProblemAsync(HttpStatusCode.Forbidden);
        await (await writer.GetAsync($"/v1/users/{user}")).AssertProblemAsync(HttpStatusCode.Forbidden);
        Assert.Equal("26-40", (await (await support.GetAsync($"/v1/users/{user}")).JsonAsync()).GetProperty("profile").GetProperty("age_group").GetString());
        Assert.Equal(HttpStatusCode.OK, (await admin.GetAsync($"/v1/users/{user}")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await support.GetAsync($"/v1/users/{user}/recommendations")).StatusCode); // users:read implies read
        await (await support.PutJsonAsync($"/v1/users/{user}", """{"features":{}}""")).AssertProblemAsync(HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task Metrics_UnknownMethod_IsOneTagValue()
    {
        // The request counter is recorded when the pipeline ends, which may be after the client has its answer: the
        // test waits for the measurements themselves (other requests of this test are GETs).
        var scope = fx.Factory.Services.GetRequiredService<IMeterFactory>();
        var methods = new List<string>();
        var recorded = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Scope == scope && instrument.Name == "reco.gateway.requests") l.EnableMeasurementEvents(instrument);
        };
        listener.SetMeasurementEventCallback<long>((_, _, tags, _) =>
        {
            foreach (var tag in tags)
                if (tag.Key == "http.request.method" && tag.Value is string method && method != "GET")
                    lock (methods)
                    {
                        methods.Add(method);
                        if (methods.Count == 2) recorded.TrySetResult();
                    }
        });
        listener.Start();
        using var client = fx.Factory.Client(GatewayFactory.ReadKey);

        foreach (var method in new[] { "BREW", "X-MADE-UP" })
            await client.SendAsync(new HttpRequestMessage(new HttpMethod(method), "/v1/items/item-001"));
        await recorded.Task.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(["_OTHER", "_OTHER"], methods);
    }

    [Fact]
    public async Task PutItem_TooManyFeaturesOrTooLongValue_Returns400NamingFieldAndLimit()
    {
        using var client = fx.Factory.Client(GatewayFactory.CatalogueKey);
        string many = "{" + string.Join(",", Enumerable.Range(0, 257).Select(i => $"\"f{i}\":\"v\"")) + "}";
        var tooMany = await (await client.PutJsonAsync("/v1/items/limit-item", $$"""{"features":{{many}}}""")).AssertProblemAsync(HttpStatusCode.BadRequest, "features");
        Assert.Contains("at most 256", tooMany.ToString());

        var tooLong = await (await client.PutJsonAsync("/v1/items/limit-item", $$$"""{"metadata":{"title":"{{{new string('t', 4097)}}}"}}"""))
            .AssertProblemAsync(HttpStatusCode.BadRequest, "metadata.title");
        Assert.Contains("at most 4096", tooLong.ToString());
        await (await client.GetAsync("/v1/items/limit-item")).AssertProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task PutProfile_TooManyFeatures_Returns400()
    {
        using var client = fx.Factory.Client(GatewayFactory.WriteKey);
        string many = "{" + string.Join(",", Enumerable.Range(0, 257).Select(i => $"\"f{i}\":{i}")) + "}";
        await (await client.PutJsonAsync("/v1/users/limit-user", $$"""{"features":{{many}}}""")).AssertProblemAsync(HttpStatusCode.BadRequest, "features");
    }

    [Fact]
    public async Task Categories_OverTheListLimit_Returns400NamingFieldAndLimit()
    {
        using var client = fx.Factory.Client(GatewayFactory.ReadKey);
        string[] values = Enumerable.Range(0, 101).Select(i => $"c{i}").ToArray();

        var query = await (await client.GetAsync($"/v1/users/u1/recommendations?categories={string.Join(',', values)}"))
            .AssertProblemAsync(HttpStatusCode.BadRequest, "categories");
        Assert.Contains("at most 100", query.ToString());
        string body = System.Text.Json.JsonSerializer.Serialize(new { exclude_categories = values, profile = new { age_group = "18-25" } });
        await (await client.PostJsonAsync("/v1/recommendations", body)).AssertProblemAsync(HttpStatusCode.BadRequest, "exclude_categories");
        await (await client.GetAsync($"/v1/items/item-001/similar?categories={new string('c', 257)}")).AssertProblemAsync(HttpStatusCode.BadRequest, "categories[0]");
    }

    [Fact]
    public async Task Scores_MoreItemIdsThanMaxBatch_Returns400NamingFieldAndLimit()
    {
        using var client = fx.Factory.Client(GatewayFactory.ReadKey);
        string body = System.Text.Json.JsonSerializer.Serialize(new { user_id = "u1", item_ids = Enumerable.Range(0, GatewayFixture.MaxBatch + 1).Select(GatewayFixture.ItemId) });
        var problem = await (await client.PostJsonAsync("/v1/scores", body)).AssertProblemAsync(HttpStatusCode.BadRequest, "item_ids");
        Assert.Contains($"{GatewayFixture.MaxBatch}", problem.ToString());
    }
}

/// <summary>Requests without a usable key are limited per address, on a gateway of their own (a small bucket).</summary>
public sealed class KeylessRateLimitTests : IAsyncLifetime
{
    private const int Burst = 3;
    private GatewayFactory _factory = null!;

    public Task InitializeAsync()
    {
        var settings = GatewayFactory.BaseSettings();
        settings["Reco:Gateway:KeylessBurst"] = Burst.ToString();
        settings["Reco:Gateway:KeylessPermitsPerSecond"] = "1";
        _factory = new GatewayFactory(settings);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _factory.DisposeAsync();

    [Fact]
    public async Task KeylessAndUnknownKeyRequests_OverTheAddressBucket_Return429WithRetryAfter_KeyedRequestsUnaffected()
    {
        using var anonymous = _factory.Client(key: null);
        using var guesser = _factory.Client("a-guessed-key-0123456789");
        var answers = new List<HttpResponseMessage>();
        for (int i = 0; i < Burst; i++) answers.Add(await anonymous.GetAsync("/v1/items/item-001"));
        for (int i = 0; i < 8; i++) answers.Add(await (i % 2 == 0 ? anonymous : guesser).GetAsync("/v1/items/item-001"));

        Assert.All(answers.Take(Burst), a => Assert.Equal(HttpStatusCode.Unauthorized, a.StatusCode));
        var limited = answers.Skip(Burst).Where(a => a.StatusCode == HttpStatusCode.TooManyRequests).ToList();
        Assert.NotEmpty(limited);
        await limited[0].AssertProblemAsync(HttpStatusCode.TooManyRequests);
        Assert.True(limited[0].Headers.RetryAfter?.Delta >= TimeSpan.FromSeconds(1), "429 without Retry-After");
        Assert.Contains(answers.Skip(Burst), a => a.StatusCode == HttpStatusCode.TooManyRequests && a.RequestMessage!.Headers.Contains("X-Api-Key"));

        using var reader = _factory.Client(GatewayFactory.ReadKey);
        Assert.NotEqual(HttpStatusCode.TooManyRequests, (await reader.GetAsync("/v1/model")).StatusCode);
        Assert.Equal("Healthy", await anonymous.GetStringAsync("/healthz"));
    }
}
