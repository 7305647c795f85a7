using System.Diagnostics;
using System.Net;
using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace OrleansReco.Cluster.Tests;

/// <summary>`reco demo` as a user runs it: trains, serves the API and the web UI, and stops cleanly on SIGTERM.</summary>
public sealed partial class DemoProcessTests
{
    [Fact]
    public async Task Demo_Serves_WhatItPrints_AndStopsCleanlyOnSigterm()
    {
        var info = new ProcessStartInfo("dotnet", [RecoPath(), "demo", "--users", "300", "--epochs", "2", "--port", "0", "--no-browser"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.Environment.Remove("RECO_API_KEY");
        using var process = Process.Start(info)!;
        var output = new System.Collections.Concurrent.ConcurrentQueue<string>();
        var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null) return;
            output.Enqueue(e.Data);
            if (e.Data.StartsWith("Serving until Ctrl-C", StringComparison.Ordinal)) ready.TrySetResult();
        };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) output.Enqueue(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            await ready.Task.WaitAsync(TimeSpan.FromMinutes(3));
            string printed = string.Join('\n', output);
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

            Assert.Equal(0, kill(process.Id, 15));
            await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
            Assert.True(process.ExitCode == 0, string.Join('\n', output));
            Assert.Contains("Stopped.", output);
        }
        finally
        {
            if (!process.HasExited) process.Kill(entireProcessTree: true);
        }
    }

    [GeneratedRegex(@"Web UI:\s+(?<url>http://[^/\s]+)/\?user=(?<user>[^#\s]+)#key=(?<key>[0-9a-f]+)")]
    private static partial Regex WebUiLine();

    private static string RecoPath()
    {
        var output = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        string tfm = output.Name, configuration = output.Parent!.Name;
        var root = output;
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "OrleansReco.sln"))) root = root.Parent;
        var path = Path.Combine(root!.FullName, "cli", "bin", configuration, tfm, "reco.dll");
        return File.Exists(path) ? path : throw new FileNotFoundException($"reco not built at {path}; build the solution first.", path);
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int sig);
}
