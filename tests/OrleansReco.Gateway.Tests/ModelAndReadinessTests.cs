using System.Net;
using Microsoft.Extensions.DependencyInjection;
using OrleansReco.GrainInterfaces;

namespace OrleansReco.Gateway.Tests;

/// <summary>A gateway that starts with no model: not ready until one is published; then the model endpoints.</summary>
public sealed class ModelAndReadinessTests : IAsyncLifetime
{
    private GatewayFactory _factory = null!;

    public Task InitializeAsync()
    {
        _factory = new GatewayFactory(GatewayFactory.BaseSettings());
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _factory.DisposeAsync();

    [Fact]
    public async Task Readyz_WithoutModel503_AfterPublish200_ThenModelEndpoints()
    {
        using var anonymous = _factory.Client(key: null);
        var notReady = await (await anonymous.GetAsync("/readyz")).AssertProblemAsync(HttpStatusCode.ServiceUnavailable);
        Assert.Contains("model", notReady.GetProperty("detail").GetString(), StringComparison.OrdinalIgnoreCase);

        using var admin = _factory.Client();
        // Serving without a model is a clear 503, not a 500.
        await (await admin.GetAsync("/v1/users/u1/recommendations")).AssertProblemAsync(HttpStatusCode.ServiceUnavailable);
        // Events are still accepted and persisted without a model.
        await (await admin.PostJsonAsync("/v1/events", """[{"user_id":"early","item_id":"i1","type":"view"}]""")).JsonAsync(HttpStatusCode.Accepted);

        var registry = _factory.Services.GetRequiredService<IGrainFactory>().Registry();
        await registry.PublishAsync(SmallModel.Create("gw-m1", seed: 1).ToBytes(), "test", null);
        var ready = await (await anonymous.GetAsync("/readyz")).JsonAsync();
        Assert.Equal("gw-m1", ready.GetProperty("model_version").GetString());
        await registry.PublishAsync(SmallModel.Create("gw-m2", seed: 2).ToBytes(), "test", null);

        var model = await (await admin.GetAsync("/v1/model")).JsonAsync();
        Assert.Equal("gw-m2", model.GetProperty("current").GetProperty("version").GetString());
        Assert.Equal(2, model.GetProperty("history").GetArrayLength());
        Assert.True(model.TryGetProperty("trainer", out _));

        var published = await (await admin.PostJsonAsync("/v1/model/publish", """{"version":"gw-m1"}""")).JsonAsync();
        Assert.Equal("gw-m1", published.GetProperty("version").GetString());
        Assert.True(published.GetProperty("is_rollback").GetBoolean());
        Assert.Equal("admin", published.GetProperty("published_by").GetString());
        Assert.Equal("gw-m1", (await (await admin.GetAsync("/v1/model")).JsonAsync()).GetProperty("current").GetProperty("version").GetString());

        await (await admin.PostJsonAsync("/v1/model/publish", """{"version":"no-such"}""")).AssertProblemAsync(HttpStatusCode.NotFound);
        await (await admin.PostJsonAsync("/v1/model/publish", """{"version":3}""")).AssertProblemAsync(HttpStatusCode.BadRequest, "version");
    }

    [Fact]
    public async Task Retrain_AnswersRunOrClear503_NeverA500()
    {
        using var admin = _factory.Client();
        var response = await admin.PostAsync("/v1/model/retrain", null);
        if (response.StatusCode == HttpStatusCode.Accepted)
        {
            var run = await response.JsonAsync(HttpStatusCode.Accepted);
            Assert.Equal("admin", run.GetProperty("requested_by").GetString());
        }
        else
        {
            var problem = await response.AssertProblemAsync(HttpStatusCode.ServiceUnavailable);
            Assert.Contains("trainer", problem.GetProperty("detail").GetString(), StringComparison.OrdinalIgnoreCase);
            var model = await (await admin.GetAsync("/v1/model")).JsonAsync();
            Assert.Equal(System.Text.Json.JsonValueKind.Null, model.GetProperty("trainer").ValueKind);
        }
    }
}
