using System.Net;
using System.Text.Json;
using OrleansReco.LocalCluster;

namespace OrleansReco.Cluster.Tests;

/// <summary>
/// The Orleans Dashboard in Client mode: a silo process and the gateway alone (an Orleans client), both with
/// <c>Reco:Cluster:Dashboard=true</c>; the gateway serves the dashboard's UI and data for admin keys only.
/// </summary>
public sealed class DashboardProcessTests
{
    private const string AdminKey = "dashboard-admin-0123456789";

    [Fact]
    public async Task GatewayAlone_ServesTheDashboardOfItsCluster_ToAdminKeysOnly()
    {
        string gatewayPort = Ports.Free().ToString(), cluster = "dash-" + Guid.NewGuid().ToString("N")[..8];
        var silo = new Dictionary<string, string>
        {
            ["Reco__Cluster__SiloPort"] = Ports.Free().ToString(),
            ["Reco__Cluster__GatewayPort"] = gatewayPort,
            ["Reco__Cluster__ClusterId"] = cluster,
            ["Reco__Cluster__Dashboard"] = "true",
            ["Reco__Silo__HttpPort"] = "0",
        };
        await using var siloProcess = ChildProcess.Start("silo", "dotnet", [BuildOutput.SiloDll], silo, logPath: null);
        await siloProcess.WaitForLineAsync("Application started", TimeSpan.FromSeconds(90), "silo start");

        var url = new Uri($"http://127.0.0.1:{Ports.Free()}");
        var gatewayEnvironment = new Dictionary<string, string>
        {
            ["RECO_API_KEY"] = AdminKey,
            ["ASPNETCORE_URLS"] = url.ToString(),
            ["Reco__Gateway__Mode"] = "Client",
            ["Reco__Cluster__GatewayPort"] = gatewayPort,
            ["Reco__Cluster__ClusterId"] = cluster,
            ["Reco__Cluster__Dashboard"] = "true",
        };
        await using var gateway = ChildProcess.Start("gateway", "dotnet", [BuildOutput.GatewayDll], gatewayEnvironment, logPath: null);
        await gateway.WaitForLineAsync("Application started", TimeSpan.FromSeconds(90), "gateway start");

        using var anonymous = new HttpClient { BaseAddress = url, Timeout = TimeSpan.FromSeconds(60) };
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/dashboard/")).StatusCode);
        using var admin = new HttpClient { BaseAddress = url, Timeout = TimeSpan.FromSeconds(60) };
        admin.DefaultRequestHeaders.Add("X-Api-Key", AdminKey);
        string page = await admin.GetStringAsync("/dashboard/");
        Assert.Contains("<title>Orleans Dashboard</title>", page);
        using var counters = await admin.GetAsync("/dashboard/DashboardCounters");
        string body = await counters.Content.ReadAsStringAsync();
        Assert.True(counters.StatusCode == HttpStatusCode.OK, $"/dashboard/DashboardCounters: {(int)counters.StatusCode} {body}\n{gateway.Tail}");
        using var json = JsonDocument.Parse(body);
        var hosts = json.RootElement.EnumerateObject().First(p => p.Name.Equals("hosts", StringComparison.OrdinalIgnoreCase)).Value;
        Assert.Equal(1, hosts.GetArrayLength());

        Assert.Equal(0, await gateway.TerminateAsync(TimeSpan.FromSeconds(60)));
        Assert.Equal(0, await siloProcess.TerminateAsync(TimeSpan.FromSeconds(60)));
    }
}
