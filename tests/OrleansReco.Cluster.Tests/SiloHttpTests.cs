using System.Net;
using OrleansReco.LocalCluster;

namespace OrleansReco.Cluster.Tests;

/// <summary>
/// The silo's own HTTP port (<c>Reco:Silo:HttpPort</c>) on a real silo process with the Redis provider and a real
/// redis-server: liveness, readiness that follows Redis, and the Prometheus scrape.
/// </summary>
public sealed class SiloHttpTests
{
    [Fact]
    public async Task SiloHttpPort_ServesHealthReadinessAndMetrics_AndReadinessFailsWhileRedisIsDown()
    {
        string work = Path.Combine(Path.GetTempPath(), "reco-silo-http-" + Guid.NewGuid().ToString("N")[..8]);
        string model = SmallModel.Write("silo-http-v1", seed: 6);
        await using var redis = await RedisProcess.StartAsync(Path.Combine(work, "redis"));
        int httpPort = Ports.Free();
        string cluster = "silo-http-" + Guid.NewGuid().ToString("N")[..8];
        var environment = new Dictionary<string, string>
        {
            ["Reco__Cluster__Provider"] = "Redis",
            ["Reco__Cluster__RedisConnectionString"] = redis.ConnectionString,
            ["Reco__Cluster__ClusterId"] = cluster,
            ["Reco__Cluster__ServiceId"] = cluster,
            ["Reco__Cluster__SiloPort"] = Ports.Free().ToString(),
            ["Reco__Cluster__GatewayPort"] = Ports.Free().ToString(),
            ["Reco__Silo__HttpPort"] = httpPort.ToString(),
            ["Reco__Silo__HttpHost"] = "127.0.0.1",
            ["Reco__Model__Path"] = model,
        };
        // Disposed (killed) before Redis: with Redis down a graceful stop would wait for the membership table.
        await using var silo = ChildProcess.Start("silo", "dotnet", [BuildOutput.SiloDll], environment, logPath: null);
        // "Application started" comes after every hosted service started, the silo's start (join) included.
        await silo.WaitForLineAsync("Application started", TimeSpan.FromSeconds(90), "silo start");
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{httpPort}"), Timeout = TimeSpan.FromSeconds(30) };

        using (var live = await http.GetAsync("/healthz"))
            Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        using (var ready = await http.GetAsync("/readyz"))
        {
            string body = await ready.Content.ReadAsStringAsync();
            Assert.True(ready.StatusCode == HttpStatusCode.OK, $"/readyz {(int)ready.StatusCode} after the silo joined:\n{body}\n{silo.Tail}");
            Assert.Contains("silo: Healthy", body);
            Assert.Contains("redis: Healthy", body);
        }
        string metrics = await http.GetStringAsync("/metrics");
        Assert.Contains("reco_model_version{", metrics);
        Assert.Contains("version=\"silo-http-v1\"", metrics);
        Assert.Contains("orleans_catalog_activations", metrics);
        Assert.Contains("dotnet_gc_collections_total", metrics);

        await redis.StopAsync();
        using (var notReady = await http.GetAsync("/readyz"))
        {
            string body = await notReady.Content.ReadAsStringAsync();
            Assert.Equal(HttpStatusCode.ServiceUnavailable, notReady.StatusCode);
            Assert.Contains("redis: Unhealthy", body);
            Assert.Contains("silo: Healthy", body);
        }
        using (var stillLive = await http.GetAsync("/healthz"))
            Assert.Equal(HttpStatusCode.OK, stillLive.StatusCode);

        File.Delete(model);
        Directory.Delete(work, recursive: true);
    }
}
