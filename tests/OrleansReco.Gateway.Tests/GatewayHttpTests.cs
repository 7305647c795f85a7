using System.Net;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Mvc.Testing;

namespace OrleansReco.Gateway.Tests;

public sealed class GatewayHttpTests(WebApplicationFactory<Program> factory) : IClassFixture<WebApplicationFactory<Program>>
{
    [Fact]
    public async Task Healthz_WhenRunning_ReturnsHealthy()
    {
        using var client = factory.CreateClient();
        var response = await client.GetAsync("/healthz");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("Healthy", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Info_ReturnsNameAndVersion()
    {
        using var client = factory.CreateClient();
        var info = await client.GetFromJsonAsync<Dictionary<string, string>>("/v1/info");
        Assert.NotNull(info);
        Assert.Equal("OrleansReco", info["name"]);
        Assert.Equal("0.1.0", info["version"]);
    }

    [Fact]
    public async Task UnknownRoute_Returns404()
    {
        using var client = factory.CreateClient();
        var response = await client.GetAsync("/v1/nothing-here");
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }
}
