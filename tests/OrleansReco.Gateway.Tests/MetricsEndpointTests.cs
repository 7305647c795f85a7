using System.Net;

namespace OrleansReco.Gateway.Tests;

/// <summary>
/// The Prometheus endpoint, on the management port of a gateway of its own (real ports: which port answers is the
/// point). OpenTelemetry merges instruments of the same name from every host in a process into one stream, and a
/// host that stops ends that stream for all of them; so the tests that read <c>/metrics</c> own their host, and the
/// assembly runs its test classes one at a time (see AssemblyInfo.cs).
/// </summary>
public sealed class MetricsEndpointTests : IAsyncLifetime
{
    private LiveGateway _gateway = null!;

    public async Task InitializeAsync() => _gateway = await LiveGateway.StartAsync();

    public async Task DisposeAsync() => await _gateway.DisposeAsync();

    [Fact]
    public async Task Metrics_AreServedOnTheManagementPort_NotOnTheApiPort()
    {
        using var anonymous = _gateway.Api(key: null);
        using var admin = _gateway.Api(GatewayFactory.AdminKey);
        using var management = _gateway.Management();

        Assert.Equal(HttpStatusCode.NotFound, (await anonymous.GetAsync("/metrics")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await admin.GetAsync("/metrics")).StatusCode);
        using var scrape = await management.GetAsync("/metrics");
        Assert.Equal(HttpStatusCode.OK, scrape.StatusCode);
        Assert.Contains("# TYPE", await scrape.Content.ReadAsStringAsync());
        // The management port serves nothing of the API.
        Assert.Equal(HttpStatusCode.NotFound, (await management.GetAsync("/v1/info")).StatusCode);
        management.DefaultRequestHeaders.Add("X-Api-Key", GatewayFactory.AdminKey);
        Assert.Equal(HttpStatusCode.NotFound, (await management.GetAsync("/v1/items/live-02")).StatusCode);
    }

    [Fact]
    public async Task Metrics_CountGatewayRequestsByRoute()
    {
        using var client = _gateway.Api(GatewayFactory.ReadKey);
        (await client.GetAsync("/v1/items/live-02")).EnsureSuccessStatusCode();
        using var management = _gateway.Management();
        string metrics = await management.GetStringAsync("/metrics");
        Assert.Contains("reco_gateway_requests_total", metrics);
        Assert.Contains("http_route=\"/v1/items/{id}\"", metrics);
        Assert.Contains("reco_gateway_request_duration_seconds_bucket", metrics);
        Assert.Contains("orleans_", metrics);
    }

    [Fact]
    public async Task Metrics_InTheSingleProcessHost_CarryTheSiloMeterUnderTheGatewayService()
    {
        using var client = _gateway.Api(GatewayFactory.ReadKey);
        (await client.GetAsync("/v1/users/metrics-user/recommendations?k=3")).EnsureSuccessStatusCode();
        using var management = _gateway.Management();
        string metrics = await management.GetStringAsync("/metrics");
        Assert.Contains("reco_recommend_latency", metrics);
        Assert.Contains("service_name=\"orleans-reco-gateway\"", metrics);
        Assert.Contains("dotnet_gc_collections_total", metrics);
    }
}
