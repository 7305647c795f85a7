namespace OrleansReco.Gateway.Tests;

/// <summary>
/// The Prometheus endpoint, on a gateway of its own. OpenTelemetry merges instruments of the same name from every host
/// in a process into one stream, and a host that stops ends that stream for all of them; so the tests that read
/// <c>/metrics</c> own their host, and the assembly runs its test classes one at a time (see AssemblyInfo.cs).
/// </summary>
public sealed class MetricsEndpointTests(GatewayFixture fx) : IClassFixture<GatewayFixture>
{
    [Fact]
    public async Task Metrics_CountGatewayRequestsByRoute()
    {
        using var client = fx.Factory.Client(GatewayFactory.ReadKey);
        await client.GetAsync("/v1/items/item-002");
        using var anonymous = fx.Factory.Client(key: null);
        string metrics = await anonymous.GetStringAsync("/metrics");
        Assert.Contains("reco_gateway_requests_total", metrics);
        Assert.Contains("http_route=\"/v1/items/{id}\"", metrics);
        Assert.Contains("reco_gateway_request_duration_seconds_bucket", metrics);
        Assert.Contains("orleans_", metrics);
    }

    [Fact]
    public async Task Metrics_InTheSingleProcessHost_CarryTheSiloMeterUnderTheGatewayService()
    {
        using var client = fx.Factory.Client(GatewayFactory.ReadKey);
        (await client.GetAsync("/v1/users/metrics-user/recommendations?k=3")).EnsureSuccessStatusCode();
        using var anonymous = fx.Factory.Client(key: null);
        string metrics = await anonymous.GetStringAsync("/metrics");
        Assert.Contains("reco_recommend_latency", metrics);
        Assert.Contains("service_name=\"orleans-reco-gateway\"", metrics);
    }
}
