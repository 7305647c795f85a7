using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using OrleansReco.LocalCluster;

namespace OrleansReco.Cluster.Tests;

/// <summary>`reco demo` as a user runs it: trains, serves the API and the web UI, and stops cleanly on SIGTERM.</summary>
public sealed partial class DemoProcessTests
{
    [Fact]
    public async Task Demo_Serves_WhatItPrints_AndStopsCleanlyOnSigterm()
    {
        // No key from the environment: the demo must make one and print it.
        var environment = new Dictionary<string, string> { ["RECO_API_KEY"] = "" };
        await using var process = ChildProcess.Start("reco demo", "dotnet",
            [BuildOutput.RecoDll, "demo", "--users", "300", "--epochs", "2", "--port", "0", "--no-browser"], environment, logPath: null);
        await process.WaitForLineAsync("Serving until Ctrl-C", TimeSpan.FromMinutes(3), "demo start");
        string printed = process.Tail;
        var ui = WebUiLine().Match(printed);
        Assert.True(ui.Success, printed);
        string url = ui.Groups["url"].Value, user = ui.Groups["user"].Value, key = ui.Groups["key"].Value;
        Assert.Contains($"Admin API key (generated for this run; set RECO_API_KEY to choose one): {key}", printed);

        using var http = new HttpClient { BaseAddress = new Uri(url) };
        Assert.Contains("<title>OrleansReco</title>", await http.GetStringAsync("/"));
        Assert.Equal(HttpStatusCode.Unauthorized, (await http.GetAsync($"/v1/users/{user}/recommendations?k=5")).StatusCode);
        http.DefaultRequestHeaders.Add("X-Api-Key", key);
        using var answer = JsonDocument.Parse(await http.GetStringAsync($"/v1/users/{user}/recommendations?k=5"));
        Assert.Equal(5, answer.RootElement.GetProperty("items").GetArrayLength());
        Assert.StartsWith("twotower-", answer.RootElement.GetProperty("model_version").GetString());
        using var profile = JsonDocument.Parse(await http.GetStringAsync($"/v1/users/{user}"));
        Assert.True(profile.RootElement.GetProperty("history").GetArrayLength() > 0);

        int exitCode = await process.TerminateAsync(TimeSpan.FromSeconds(60));
        Assert.True(exitCode == 0, process.Tail);
        Assert.Contains("Stopped.", process.Tail);
    }

    [GeneratedRegex(@"Web UI:\s+(?<url>http://[^/\s]+)/\?user=(?<user>[^#\s]+)#key=(?<key>[0-9a-f]+)")]
    private static partial Regex WebUiLine();
}
