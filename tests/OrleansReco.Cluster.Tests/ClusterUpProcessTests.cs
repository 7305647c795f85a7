using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using OrleansReco.LocalCluster;

namespace OrleansReco.Cluster.Tests;

/// <summary>`reco cluster up` as a user runs it: redis-server, silos and the gateway as processes; SIGTERM stops them all.</summary>
public sealed partial class ClusterUpProcessTests : IDisposable
{
    private const string Key = "cluster-up-test-key-0123456789";
    private readonly string _folder = Directory.CreateTempSubdirectory("reco-cluster-up-").FullName;

    [Fact]
    public async Task ClusterUp_ServesEventsAndRecommendations_SchedulesTheTrainer_AndSigtermStopsEveryChild()
    {
        string model = SmallModel.Write("up-v1", seed: 3);
        int port = Ports.Free();
        await using var process = ChildProcess.Start("reco cluster up", "dotnet",
            [BuildOutput.RecoDll, "cluster", "up", "--silos", "1", "--trainer", "--train-every", "10m", "--port", port.ToString(), "--data", Path.Combine(_folder, "data"), "--model", model],
            new Dictionary<string, string> { ["RECO_API_KEY"] = Key }, logPath: null);
        await process.WaitForLineAsync("Ctrl-C or SIGTERM stops every process.", TimeSpan.FromMinutes(4), "cluster up start");
        string printed = process.Tail;
        Assert.Contains($"web UI      http://127.0.0.1:{port}/#key={Key}", printed);
        string line = printed.Split('\n').Single(l => l.StartsWith("Cluster up:", StringComparison.Ordinal));
        var pids = Pids().Matches(line).Select(m => int.Parse(m.Groups["pid"].Value)).ToArray();
        Assert.Equal(4, pids.Length); // redis-server, a serving silo, the training silo, the gateway
        Assert.Contains("training    every 00:10:00 (--train-every)", printed);
        Assert.True(Directory.Exists(Path.Combine(_folder, "data", "redis", "appendonlydir")), "no append-only file in the data folder");

        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        http.DefaultRequestHeaders.Add("X-Api-Key", Key);
        var items = Enumerable.Range(0, 12).Select(i => new { item_id = $"up-item-{i}", features = new Dictionary<string, string> { ["category"] = SmallModel.Categories[i % 3] } });
        (await http.PostAsJsonAsync("/v1/items", new { items })).EnsureSuccessStatusCode();
        var posted = await http.PostAsJsonAsync("/v1/events", new { events = new[] { new { event_id = "up-e1", user_id = "up-user", item_id = "up-item-1", type = "purchase" } } });
        Assert.Equal(HttpStatusCode.Accepted, posted.StatusCode);
        using var answer = JsonDocument.Parse(await http.GetStringAsync("/v1/users/up-user/recommendations?k=5"));
        var ids = answer.RootElement.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("item_id").GetString()).ToArray();
        Assert.Equal(5, ids.Length);
        Assert.DoesNotContain("up-item-1", ids); // the purchased item is seen, so excluded
        Assert.Equal("up-v1", answer.RootElement.GetProperty("model_version").GetString());
        // The training silo runs on the schedule asked for, not the harness's "admin calls only".
        using var modelStatus = JsonDocument.Parse(await http.GetStringAsync("/v1/model"));
        var trainer = modelStatus.RootElement.GetProperty("trainer");
        Assert.True(trainer.ValueKind == JsonValueKind.Object, $"no trainer status: {modelStatus.RootElement}");
        Assert.Equal("00:10:00", trainer.GetProperty("interval").GetString());

        int exitCode = await process.TerminateAsync(TimeSpan.FromSeconds(120));
        Assert.True(exitCode == 0, process.Tail);
        Assert.Contains("Stopped.", process.Tail);
        foreach (int pid in pids)
            Assert.True(Exited(pid), $"child pid {pid} is still running after reco cluster up stopped:\n{process.Tail}");
        File.Delete(model);
    }

    [Theory]
    [InlineData("--trainer --train-every 5x", "is not a duration")]
    [InlineData("--trainer --train-every 0.5s", "at least 1 s")]
    [InlineData("--train-every 30m", "needs --trainer")]
    public async Task ClusterUp_RefusesABadTrainEvery_BeforeStartingAnything(string arguments, string message)
    {
        await using var process = ChildProcess.Start("reco cluster up", "dotnet",
            [BuildOutput.RecoDll, "cluster", "up", "--data", Path.Combine(_folder, "data"), .. arguments.Split(' ')],
            new Dictionary<string, string>(), logPath: null);
        int exitCode = await process.Exited.WaitAsync(TimeSpan.FromMinutes(1));
        Assert.True(exitCode == 2, $"exit code {exitCode}:\n{process.Tail}");
        Assert.Contains(message, process.Tail);
        Assert.False(Directory.Exists(Path.Combine(_folder, "data", "redis")), "a process was started for a refused command line");
    }

    /// <summary>No such process, or a zombie (exited, not yet reaped by its new parent).</summary>
    private static bool Exited(int pid)
    {
        string stat = $"/proc/{pid}/stat";
        if (!File.Exists(stat)) return true;
        try
        {
            string text = File.ReadAllText(stat);
            return text[(text.LastIndexOf(')') + 2)..].StartsWith('Z');
        }
        catch (IOException)
        {
            return true;
        }
    }

    [GeneratedRegex(@"pid (?<pid>\d+)")]
    private static partial Regex Pids();

    public void Dispose()
    {
        try { Directory.Delete(_folder, recursive: true); }
        catch (IOException) { }
    }
}
