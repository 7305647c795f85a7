using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orleans.Configuration;

namespace OrleansReco.Cluster.Tests;

public sealed class SiloProcessTests
{
    [Fact]
    public async Task SiloProcess_AcceptsClientAndStopsCleanlyOnSigterm()
    {
        await using var silo = await SiloProcess.StartAsync(new Dictionary<string, string>
        {
            ["Reco__Cluster__ClusterId"] = "proc-test",
            ["Reco__Cluster__ServiceId"] = "proc-test",
        });

        using (var client = Host.CreateDefaultBuilder()
            .UseOrleansClient(c => c.UseLocalhostClustering(silo.GatewayPort, serviceId: "proc-test", clusterId: "proc-test"))
            .Build())
        {
            await client.StartAsync().WaitAsync(TimeSpan.FromSeconds(30));
            var grains = client.Services.GetRequiredService<IClusterClient>();
            var hosts = await grains.GetGrain<IManagementGrain>(0).GetHosts(onlyActive: true);
            Assert.Single(hosts);
            await client.StopAsync();
        }

        int exitCode = await silo.StopGracefullyAsync(TimeSpan.FromSeconds(60));
        Assert.True(exitCode == 0, $"silo exited with {exitCode} after SIGTERM:\n{silo.Output}");
    }

    [Fact]
    public async Task SiloProcess_RejectsBadProviderWithMessageNamingTheKey()
    {
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => SiloProcess.StartAsync(new Dictionary<string, string>
        {
            ["Reco__Cluster__Provider"] = "Cassandra",
        }));
        Assert.Contains("Reco:Cluster:Provider", error.Message);
        Assert.Contains("Cassandra", error.Message);
    }
}
