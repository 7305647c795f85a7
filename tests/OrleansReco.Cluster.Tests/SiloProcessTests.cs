using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OrleansReco.LocalCluster;

namespace OrleansReco.Cluster.Tests;

/// <summary>The silo executable on its own: it serves clients, stops cleanly on SIGTERM, and refuses a bad configuration by name.</summary>
public sealed class SiloProcessTests
{
    private static ChildProcess StartSilo(Dictionary<string, string> environment, out int gatewayPort)
    {
        gatewayPort = Ports.Free();
        environment["Reco__Cluster__SiloPort"] = Ports.Free().ToString();
        environment["Reco__Cluster__GatewayPort"] = gatewayPort.ToString();
        environment["Reco__Silo__HttpPort"] = Ports.Free().ToString();
        environment["Reco__Silo__HttpHost"] = "127.0.0.1";
        environment["DOTNET_ENVIRONMENT"] = "Development";
        return ChildProcess.Start("silo", "dotnet", [BuildOutput.SiloDll], environment, logPath: null);
    }

    [Fact]
    public async Task SiloProcess_AcceptsClientAndStopsCleanlyOnSigterm()
    {
        await using var silo = StartSilo(new() { ["Reco__Cluster__ClusterId"] = "proc-test", ["Reco__Cluster__ServiceId"] = "proc-test" }, out int gatewayPort);
        await silo.WaitForLineAsync("Application started", TimeSpan.FromSeconds(60), "silo start");

        using (var client = Host.CreateDefaultBuilder()
            .UseOrleansClient(c => c.UseLocalhostClustering(gatewayPort, serviceId: "proc-test", clusterId: "proc-test"))
            .Build())
        {
            await client.StartAsync().WaitAsync(TimeSpan.FromSeconds(30));
            var grains = client.Services.GetRequiredService<IClusterClient>();
            var hosts = await grains.GetGrain<IManagementGrain>(0).GetHosts(onlyActive: true);
            Assert.Single(hosts);
            await client.StopAsync();
        }

        int exitCode = await silo.TerminateAsync(TimeSpan.FromSeconds(60));
        Assert.True(exitCode == 0, $"silo exited with {exitCode} after SIGTERM:\n{silo.Tail}");
    }

    [Fact]
    public async Task SiloProcess_RejectsBadProviderWithMessageNamingTheKey()
    {
        await using var silo = StartSilo(new() { ["Reco__Cluster__Provider"] = "Cassandra" }, out _);

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => silo.WaitForLineAsync("Application started", TimeSpan.FromSeconds(60), "silo start"));

        Assert.NotEqual(0, await silo.Exited);
        Assert.Contains("Reco:Cluster:Provider", error.Message);
        Assert.Contains("Cassandra", error.Message);
    }
}
