using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using OrleansReco.LocalCluster;

namespace OrleansReco.Cluster.Tests;

/// <summary>
/// The two ways to run the gateway, as the README starts them: the single-process host (<c>embedded/</c>: a silo and
/// the gateway in one process) and the gateway alone (<c>client/</c>: an Orleans client) beside a silo process;
/// and each refusing the other's mode by name.
/// </summary>
public sealed class HostProcessTests
{
    private const string Key = "change-me-0123456789";

    [Fact]
    public async Task EmbeddedHost_AsTheReadmeStartsIt_ServesRecommendationsAndStopsCleanlyOnSigterm()
    {
        string model = SmallModel.Write("embedded-v1", seed: 3);
        var url = new Uri($"http://127.0.0.1:{Ports.Free()}");
        var environment = Readme(model, url);
        environment["Reco__Cluster__SiloPort"] = Ports.Free().ToString();
        environment["Reco__Cluster__GatewayPort"] = Ports.Free().ToString();
        await using var host = ChildProcess.Start("embedded", "dotnet", [BuildOutput.EmbeddedDll], environment, logPath: null);
        await host.WaitForLineAsync("Application started", TimeSpan.FromSeconds(90), "embedded host start");

        await AssertServesAsync(url, "embedded-v1");

        int exitCode = await host.TerminateAsync(TimeSpan.FromSeconds(60));
        Assert.True(exitCode == 0, $"the embedded host exited with {exitCode} after SIGTERM:\n{host.Tail}");
        File.Delete(model);
    }

    [Fact]
    public async Task GatewayAlone_BesideASiloProcess_ServesRecommendationsThroughItsOrleansClient()
    {
        string model = SmallModel.Write("client-v1", seed: 4);
        string gatewayPort = Ports.Free().ToString(), cluster = "gw-proc-" + Guid.NewGuid().ToString("N")[..8];
        var silo = new Dictionary<string, string>
        {
            ["Reco__Model__Path"] = model,
            ["Reco__Cluster__SiloPort"] = Ports.Free().ToString(),
            ["Reco__Cluster__GatewayPort"] = gatewayPort,
            ["Reco__Cluster__ClusterId"] = cluster,
            ["Reco__Silo__HttpPort"] = Ports.Free().ToString(),
            ["Reco__Silo__HttpHost"] = "127.0.0.1",
        };
        await using var siloProcess = ChildProcess.Start("silo", "dotnet", [BuildOutput.SiloDll], silo, logPath: null);
        await siloProcess.WaitForLineAsync("Application started", TimeSpan.FromSeconds(90), "silo start");

        var url = new Uri($"http://127.0.0.1:{Ports.Free()}");
        var environment = Readme(model, url);
        environment["Reco__Cluster__GatewayPort"] = gatewayPort;
        environment["Reco__Cluster__ClusterId"] = cluster;
        await using var gateway = ChildProcess.Start("gateway", "dotnet", [BuildOutput.GatewayDll], environment, logPath: null);
        await gateway.WaitForLineAsync("Application started", TimeSpan.FromSeconds(90), "gateway start");

        await AssertServesAsync(url, "client-v1");

        Assert.Equal(0, await gateway.TerminateAsync(TimeSpan.FromSeconds(60)));
        Assert.Equal(0, await siloProcess.TerminateAsync(TimeSpan.FromSeconds(60)));
        File.Delete(model);
    }

    [Fact]
    public async Task GatewayAlone_ModeEmbedded_RefusesToStartNamingTheHostToRun()
    {
        var environment = new Dictionary<string, string> { ["RECO_API_KEY"] = Key, ["Reco__Gateway__Mode"] = "Embedded", ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{Ports.Free()}" };
        await using var gateway = ChildProcess.Start("gateway", "dotnet", [BuildOutput.GatewayDll], environment, logPath: null);

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => gateway.WaitForLineAsync("Application started", TimeSpan.FromSeconds(90), "gateway start"));

        Assert.NotEqual(0, await gateway.Exited);
        Assert.Contains("Reco:Gateway:Mode", error.Message);
        Assert.Contains("dotnet run --project embedded", error.Message);
    }

    /// <summary>The variables of the README's start command: an admin key, the model bundle and the URL.</summary>
    private static Dictionary<string, string> Readme(string model, Uri url) => new()
    {
        ["RECO_API_KEY"] = Key,
        ["Reco__Model__Path"] = model,
        ["ASPNETCORE_URLS"] = url.ToString(),
    };

    /// <summary>Ready with the model loaded; an item added over HTTP comes back in a user's recommendations.</summary>
    private static async Task AssertServesAsync(Uri url, string modelVersion)
    {
        using var http = new HttpClient { BaseAddress = url, Timeout = TimeSpan.FromSeconds(60) };
        http.DefaultRequestHeaders.Add("X-Api-Key", Key);
        var ready = await http.GetAsync("/readyz");
        Assert.True(ready.StatusCode == HttpStatusCode.OK, await ready.Content.ReadAsStringAsync());
        for (int i = 0; i < 3; i++)
        {
            var put = await http.PutAsJsonAsync($"/v1/items/i{i}", new { features = new Dictionary<string, object> { ["category"] = SmallModel.Categories[i], ["price"] = 10 + i } });
            Assert.True(put.IsSuccessStatusCode, await put.Content.ReadAsStringAsync());
        }
        using var answer = JsonDocument.Parse(await http.GetStringAsync("/v1/users/u1/recommendations?k=3"));
        Assert.Equal(3, answer.RootElement.GetProperty("items").GetArrayLength());
        Assert.Equal(modelVersion, answer.RootElement.GetProperty("model_version").GetString());
    }
}
