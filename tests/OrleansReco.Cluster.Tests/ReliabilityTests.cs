using System.Diagnostics;
using System.Text.Json;
using OrleansReco.Harness;
using OrleansReco.LocalCluster;
using Xunit.Abstractions;

namespace OrleansReco.Cluster.Tests;

/// <summary>
/// The reduced reliability run of CI: a real cluster (redis-server with AOF, two serving silos and a train silo,
/// the gateway in Client mode), a few thousand events and queries, kill -9 of a serving silo mid-load and a restart.
/// Every acknowledged event must be in its user's history exactly once and the probe users' recommendations must
/// equal those before the fault. The full set of scenarios is <c>reco bench reliability</c> (bench/reliability/run.sh).
/// </summary>
public sealed class ReliabilityTests(ITestOutputHelper output)
{
    [Fact]
    public async Task KillServingSilo_UnderLoad_LosesNoAcknowledgedEventAndRecovers()
    {
        var load = new LoadOptions { EventRate = 150, QueryRate = 30, Duration = TimeSpan.FromSeconds(16), Users = 80 };
        var scenario = ReliabilityRunner.All(faultAt: 4, restartAfter: 4).Single(s => s.Name == "kill9-serving-silo");
        var clock = Stopwatch.StartNew();
        var result = await new ReliabilityRunner(load, new ClusterOptions(), Log).RunAsync(scenario);
        string report = JsonSerializer.Serialize(result, new JsonSerializerOptions { WriteIndented = true });
        output.WriteLine(report);
        output.WriteLine($"scenario took {clock.Elapsed.TotalSeconds:F1} s");

        Assert.True(result.EventsAcked >= 2000, $"too few events acknowledged for the check to mean much:\n{report}");
        Assert.True(result.EventsMissing == 0, $"acknowledged events lost:\n{report}");
        Assert.True(result.EventsDuplicated == 0, $"events stored twice:\n{report}");
        Assert.True(result.Passed, $"scenario failed:\n{report}");
        Assert.True(result.RecoveryS < 30, $"recovery took {result.RecoveryS} s:\n{report}");
    }

    [Fact]
    public async Task GatewayKill9MidBatch_RetriedEventsStoredOnce_EveryOperationClassified()
    {
        var load = new LoadOptions { EventRate = 100, QueryRate = 10, Duration = TimeSpan.FromSeconds(10), Users = 50 };
        var result = await RunScenarioAsync("gateway-kill9-mid-batch", load, pauseS: 15);

        AssertClassifiedAndPassed(result);
        Assert.True(result.EventBatchErrors > 0, $"no batch send failed, so the gateway was not down while the load ran:\n{Json(result)}");
        Assert.True(result.EventSendsUnanswered > 0, $"no batch send was cut off by the kill:\n{Json(result)}");
    }

    [Fact]
    public async Task SiloPause_UnderLoad_NoAcknowledgedEventLostOrDuplicated()
    {
        var load = new LoadOptions { EventRate = 100, QueryRate = 10, Duration = TimeSpan.FromSeconds(10), Users = 50 };
        var result = await RunScenarioAsync("silo-pause", load, pauseS: 6);

        AssertClassifiedAndPassed(result);
        Assert.True(result.DurationS >= 3 + 6, $"the load ended before the silo was resumed:\n{Json(result)}");
    }

    [Theory]
    [InlineData(503, 503)]
    [InlineData(400, 400)]
    public void StatusOf_AnsweredError_IsItsStatus(int status, int expected) =>
        Assert.Equal(expected, LoadGenerator.StatusOf(new HttpRequestException("answered", null, (System.Net.HttpStatusCode)status)));

    [Fact]
    public void StatusOf_RefusedConnection_IsDefinite_ResetAndTimeout_AreUnanswered()
    {
        var refused = new HttpRequestException(HttpRequestError.ConnectionError, "refused", new System.Net.Sockets.SocketException((int)System.Net.Sockets.SocketError.ConnectionRefused));
        var reset = new HttpRequestException(HttpRequestError.ResponseEnded, "reset", new IOException("connection reset by peer",
            new System.Net.Sockets.SocketException((int)System.Net.Sockets.SocketError.ConnectionReset)));
        Assert.Equal(LoadGenerator.Refused, LoadGenerator.StatusOf(refused));
        Assert.Equal(LoadGenerator.NoAnswer, LoadGenerator.StatusOf(reset));
        Assert.Equal(LoadGenerator.NoAnswer, LoadGenerator.StatusOf(new TaskCanceledException("timeout")));
    }

    [Fact]
    public async Task RecoCluster_Dispose_KillsEveryProcessItStarted()
    {
        int[] pids;
        await using (var cluster = await RecoCluster.StartAsync(new ClusterOptions { ServingSilos = 1, TrainSilo = false, Items = 30, Log = Log }))
        {
            pids = [cluster.Redis.Pid, cluster.Gateway.Pid, .. cluster.Silos.Select(s => s.Process!.Pid)];
            using var client = cluster.CreateClient(TimeSpan.FromSeconds(30));
            var answer = await client.RecommendAsync("nobody-yet", 5);
            Assert.Equal(RecoCluster.ModelVersion, answer.ModelVersion);
        }
        foreach (int pid in pids)
            Assert.False(IsAlive(pid), $"process {pid} is still running after the cluster was disposed");
    }

    [Fact]
    public async Task Fuzz_RealGateway_NoServerErrorAndEveryAcceptedEventStoredOnce()
    {
        await using var cluster = await RecoCluster.StartAsync(new ClusterOptions { ServingSilos = 2, TrainSilo = false, Items = 30, Log = Log });
        using var client = cluster.CreateClient(TimeSpan.FromSeconds(30));
        var result = await HttpFuzzer.RunAsync(client, requests: 800, seed: 20261125, concurrency: 8);
        output.WriteLine(string.Join(", ", result.ByStatus.OrderBy(p => p.Key).Select(p => $"{p.Key}: {p.Value}")));
        Assert.True(result.ServerErrors.Count == 0, $"5xx answers:\n{string.Join('\n', result.ServerErrors.Take(10))}\n{cluster.Diagnostics()}");
        Assert.True(result.Accepted.Count > 50, $"only {result.Accepted.Count} events accepted");
        var found = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var user in result.Accepted.Values.Distinct())
            foreach (var id in await client.HistoryEventIdsAsync(user))
                found[id] = found.GetValueOrDefault(id) + 1;
        var lost = result.Accepted.Keys.Where(id => !found.ContainsKey(id)).ToArray();
        var twice = found.Where(p => p.Value > 1).Select(p => p.Key).ToArray();
        Assert.True(lost.Length == 0, $"{lost.Length} accepted events lost, e.g. {string.Join(", ", lost.Take(5))}");
        Assert.True(twice.Length == 0, $"{twice.Length} events stored twice, e.g. {string.Join(", ", twice.Take(5))}");
    }

    [Theory]
    [InlineData("http://10.0.0.5:5000")]
    [InlineData("http://example.com")]
    [InlineData("ftp://127.0.0.1/")]
    public void RequireLoopback_ThrowsForNonLoopbackUrl(string url)
    {
        Assert.False(GatewayClient.IsLoopbackHttp(new Uri(url)));
        Assert.Throws<ArgumentException>(() => GatewayClient.RequireLoopback(new Uri(url)));
    }

    [Theory]
    [InlineData("http://127.0.0.1:5000")]
    [InlineData("http://localhost:8080/")]
    [InlineData("http://[::1]:5000")]
    public void RequireLoopback_AcceptsLoopbackUrl(string url)
    {
        Assert.True(GatewayClient.IsLoopbackHttp(new Uri(url)));
        var error = Record.Exception(() => GatewayClient.RequireLoopback(new Uri(url)));
        Assert.Null(error);
    }

    private async Task<ScenarioResult> RunScenarioAsync(string name, LoadOptions load, double pauseS)
    {
        var scenario = ReliabilityRunner.All(faultAt: 3, restartAfter: 3, pauseS).Single(s => s.Name == name);
        var clock = Stopwatch.StartNew();
        var result = await new ReliabilityRunner(load, new ClusterOptions(), Log).RunAsync(scenario);
        output.WriteLine(Json(result));
        output.WriteLine($"scenario took {clock.Elapsed.TotalSeconds:F1} s");
        return result;
    }

    /// <summary>Every event sent has one outcome; ok ones are stored exactly once, the others at most once.</summary>
    private static void AssertClassifiedAndPassed(ScenarioResult result)
    {
        string report = Json(result);
        Assert.True(result.Ok + result.Failed + result.Indeterminate == result.EventsSent, $"outcomes do not add up to the events sent:\n{report}");
        Assert.True(result.Ok == result.EventsAcked && result.Ok >= 500, $"too few events acknowledged for the check to mean much:\n{report}");
        Assert.True(result.EventsMissing == 0, $"acknowledged events lost:\n{report}");
        Assert.True(result.EventsDuplicated == 0, $"events stored twice:\n{report}");
        Assert.True(result.IndeterminateFound <= result.Indeterminate && result.FailedFound <= result.Failed, $"found counts exceed their outcome:\n{report}");
        Assert.True(result.FaultsAtS.Length == 1, $"the fault did not run:\n{report}");
        Assert.True(result.Passed, $"scenario failed:\n{report}");
    }

    private static string Json(ScenarioResult result) => JsonSerializer.Serialize(result, new JsonSerializerOptions { WriteIndented = true });

    private void Log(string line)
    {
        try
        {
            output.WriteLine(line);
        }
        catch (InvalidOperationException)
        {
            // A line printed after the test finished.
        }
    }

    private static bool IsAlive(int pid)
    {
        try
        {
            using var p = Process.GetProcessById(pid);
            return !p.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }
}
