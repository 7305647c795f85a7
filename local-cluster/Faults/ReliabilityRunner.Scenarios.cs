namespace OrleansReco.LocalCluster;

/// <summary>The fault scenarios <see cref="ReliabilityRunner"/> runs: what each does to the cluster while the load runs.</summary>
public sealed partial class ReliabilityRunner
{
    /// <summary>
    /// Every scenario: a fault <paramref name="faultAt"/> seconds into the load, a restart <paramref name="restartAfter"/>
    /// seconds later where there is one; <c>silo-pause</c> freezes its silo for <paramref name="pauseS"/> seconds.
    /// </summary>
    public static IReadOnlyList<Scenario> All(double faultAt, double restartAfter, double pauseS = 15) =>
    [
        new("kill9-serving-silo", "kill -9 one serving silo mid-load, then start it again", async f =>
        {
            await f.AtAsync(faultAt);
            var victim = f.Cluster.ServingSilos.First();
            f.MarkFault();
            await f.Cluster.KillSiloAsync(victim);
            f.Log($"killed {victim.Name}");
            await f.AtAsync(faultAt + restartAfter);
            await f.Cluster.RestartSiloAsync(victim);
            f.Log($"{victim.Name} started again");
        }),
        new("rolling-upgrade", "SIGTERM one serving silo under load (graceful), then start a new one", async f =>
        {
            await f.AtAsync(faultAt);
            var victim = f.Cluster.ServingSilos.First();
            f.MarkFault();
            int code = await f.Cluster.StopSiloAsync(victim);
            f.Log($"{victim.Name} exited with {code}");
            if (code != 0) f.Notes.Add($"{victim.Name} exited with code {code} after SIGTERM");
            var added = await f.Cluster.AddSiloAsync("serve");
            f.Log($"{added.Name} joined");
        }),
        new("redis-restart", "SIGTERM redis-server under load and start it again on the same port and AOF folder",
            f => RedisOutageAsync(f, kill: false, faultAt, restartAfter)),
        new("kill9-trainer-during-publish", "start a training run, kill -9 the train silo while it publishes (its chunks stored, the registry not yet asked), start it again", async f =>
        {
            using var client = f.Cluster.CreateClient(TimeSpan.FromSeconds(30));
            await f.AtAsync(faultAt);
            var run = await client.RetrainAsync(f.Cancellation);
            f.Log($"training run {(string?)run["run_id"]} started: {(string?)run["state"]}");
            // The drill pause (Reco:Trainer:DrillPublishDelay) holds the run between storing its bundle and the
            // registry's record: wait for that phase, then kill the trainer's silo inside it.
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
            System.Text.Json.Nodes.JsonNode? current = null;
            while (DateTime.UtcNow < deadline)
            {
                current = (await client.ModelAsync(f.Cancellation))["trainer"]?["current"];
                if ((string?)current?["phase"] == "publishing" || current is null) break;
                await Task.Delay(50, f.Cancellation);
            }
            f.Log($"trainer before the kill: {Describe(current)}");
            if ((string?)current?["phase"] != "publishing") f.Notes.Add("the run was not caught in its publishing phase");
            var trainer = f.Cluster.Silos.First(s => s.Role == "train" && s.Running);
            f.MarkFault();
            await f.Cluster.KillSiloAsync(trainer);
            await Task.Delay(TimeSpan.FromSeconds(restartAfter), f.Cancellation);
            await f.Cluster.RestartSiloAsync(trainer);
            f.Log($"{trainer.Name} started again");
        })
        {
            ChangesModel = true,
            Cluster = new ClusterOptions { SiloEnvironment = QuickTraining(("Reco__Trainer__DrillPublishDelay", "00:00:04")) },
        },
        new("redis-kill9-everysec", "kill -9 redis-server under load with appendfsync everysec, start it again on the same port and AOF folder",
            f => RedisOutageAsync(f, kill: true, faultAt, restartAfter))
        {
            Fsync = "everysec",
            LossWindowS = 1,
        },
        new("redis-kill9-always", "kill -9 redis-server under load with appendfsync always, start it again on the same port and AOF folder",
            f => RedisOutageAsync(f, kill: true, faultAt, restartAfter))
        {
            Fsync = "always",
        },
        new("silo-pause", $"SIGSTOP a serving silo under load for {pauseS:0.#} s, then SIGCONT (started again if it stopped itself meanwhile)", async f =>
        {
            await f.AtAsync(faultAt);
            var victim = f.Cluster.ServingSilos.First();
            f.MarkFault();
            f.Cluster.PauseSilo(victim);
            await Task.Delay(TimeSpan.FromSeconds(pauseS), f.Cancellation);
            f.Cluster.ResumeSilo(victim);
            // A silo declared dead while frozen learns it on its next membership read and stops itself.
            var exited = await Task.WhenAny(victim.Process!.Exited, Task.Delay(TimeSpan.FromSeconds(restartAfter + 10), f.Cancellation));
            if (exited != victim.Process.Exited)
            {
                f.Log($"{victim.Name} kept running after SIGCONT");
                f.Notes.Add($"{victim.Name} kept running after SIGCONT");
                return;
            }
            f.Log($"{victim.Name} exited with {await victim.Process.Exited} after SIGCONT (declared dead while frozen)");
            f.Notes.Add($"{victim.Name} stopped itself after SIGCONT (declared dead while frozen) and was started again");
            await f.Cluster.RestartSiloAsync(victim);
            f.Log($"{victim.Name} started again");
        })
        {
            Load = l => l with { Duration = TimeSpan.FromSeconds(Math.Max(l.Duration.TotalSeconds, faultAt + pauseS + restartAfter)) },
        },
        new("clock-skew", $"a serving silo under faketime {ClockSkew} joins before the load; under load a serving silo on the machine's clock leaves (SIGTERM), its users move, then it is started again", async f =>
        {
            await f.AtAsync(faultAt);
            var normal = f.Cluster.ServingSilos.First(s => s.ClockOffset is null);
            f.MarkFault();
            int code = await f.Cluster.StopSiloAsync(normal);
            f.Log($"{normal.Name} exited with {code}");
            if (code != 0) f.Notes.Add($"{normal.Name} exited with code {code} after SIGTERM");
            await f.AtAsync(faultAt + restartAfter);
            try
            {
                await f.Cluster.RestartSiloAsync(normal);
                f.Log($"{normal.Name} started again");
            }
            catch (InvalidOperationException e) when (e.Message.Contains("I have been told I am dead", StringComparison.Ordinal))
            {
                // Orleans evicts a silo still joining MaxJoinAttemptTime (5 min) after its start time by the evicting
                // silo's clock: a silo an hour ahead evicts every silo that joins after it.
                f.Log($"{normal.Name} could not join again: declared dead while joining");
                f.Notes.Add($"{normal.Name} could not join again: declared dead while joining (the silo {ClockSkew} ahead sees its start time beyond Orleans' MaxJoinAttemptTime)");
            }
        })
        {
            // Joins once the others are active: a silo that joins while the skewed one runs is evicted while joining.
            Setup = async (cluster, log) => log($"{(await cluster.AddSiloAsync("serve", ClockSkew)).Name} joined, clock {ClockSkew}"),
        },
        new("registry-kill9-mid-publish", "start a training run; once the registry has recorded the new version and pauses before telling the silos (Reco:Model:PublishNotifyDelay), kill -9 the registry's silo, then start it again", async f =>
        {
            using var client = f.Cluster.CreateClient(TimeSpan.FromSeconds(30));
            await f.AtAsync(faultAt);
            var run = await client.RetrainAsync(f.Cancellation);
            f.Log($"training run {(string?)run["run_id"]} started: {(string?)run["state"]}");
            var registry = await f.Cluster.WaitForSiloLineAsync(RegistryPauseLine, TimeSpan.FromSeconds(180), "waiting for the registry to record the new version");
            f.MarkFault();
            await f.Cluster.KillSiloAsync(registry);
            f.Notes.Add($"the registry ran on {registry.Name}");
            await Task.Delay(TimeSpan.FromSeconds(restartAfter), f.Cancellation);
            await f.Cluster.RestartSiloAsync(registry);
            f.Log($"{registry.Name} started again");
            var trainer = (await client.ModelAsync(f.Cancellation))["trainer"];
            var last = trainer?["current"] ?? trainer?["recent"]?.AsArray().FirstOrDefault();
            f.Notes.Add($"the trainer then reported {Describe(last)}{((string?)last?["reason"] is { } reason ? $" ({Shorten(First(reason), 120)})" : "")}");
        })
        {
            ChangesModel = true,
            RequiresNewModel = true,
            // Training takes seconds to tens of seconds: the load runs on past the kill.
            Load = l => l with { Duration = TimeSpan.FromSeconds(Math.Max(l.Duration.TotalSeconds, faultAt + 25)) },
            Cluster = new ClusterOptions
            {
                // Silos that missed the notification catch up at their next check-in (SyncInterval).
                SiloEnvironment = QuickTraining(("Reco__Model__PublishNotifyDelay", "00:00:05"), ("Reco__Model__SyncInterval", "00:00:02")),
            },
        },
        new("gateway-kill9-mid-batch", "kill -9 the gateway while an event batch is in flight, start it again on the same port; the load sends the same event ids again", async f =>
        {
            await f.AtAsync(faultAt);
            await f.Load.WhenBatchesInFlightAsync(1, f.Cancellation);
            f.MarkFault();
            await f.Cluster.KillGatewayAsync();
            f.Log("gateway killed with a batch in flight");
            await f.Cluster.RestartGatewayAsync(f.Cancellation);
            f.Log("gateway started again");
        })
        {
            // Retries that outlast the gateway's restart (a few seconds).
            Load = l => l with { Attempts = Math.Max(l.Attempts, 20) },
        },
        new("scale-out-and-in", "a new serving silo joins under load, then one leaves (SIGTERM)", async f =>
        {
            await f.AtAsync(faultAt);
            f.MarkFault();
            var added = await f.Cluster.AddSiloAsync("serve");
            f.Log($"{added.Name} joined");
            await f.AtAsync(faultAt + restartAfter + 4);
            var leaving = f.Cluster.ServingSilos.First();
            f.MarkFault();
            int code = await f.Cluster.StopSiloAsync(leaving);
            f.Log($"{leaving.Name} left with exit code {code}");
        }),
    ];

    /// <summary>
    /// Silo settings of the scenarios that train during the load: a run on the few events the load has sent (200),
    /// two epochs, and a gate that publishes whatever it trains (tolerance 1); then <paramref name="more"/>.
    /// </summary>
    private static Dictionary<string, string> QuickTraining(params (string Key, string Value)[] more)
    {
        var environment = new Dictionary<string, string>
        {
            ["Reco__Trainer__MinEvents"] = "200",
            ["Reco__Trainer__MinEvaluationUsers"] = "5",
            ["Reco__Trainer__Model__Epochs"] = "2",
            ["Reco__Trainer__Tolerance"] = "1",
        };
        foreach (var (key, value) in more) environment[key] = value;
        return environment;
    }

    /// <summary>SIGTERM (or kill -9) of redis-server, then a new one on the same port and AOF folder.</summary>
    private static async Task RedisOutageAsync(FaultContext f, bool kill, double faultAt, double restartAfter)
    {
        await f.AtAsync(faultAt);
        f.MarkFault();
        if (kill) await f.Cluster.Redis.KillAsync();
        else await f.Cluster.Redis.StopAsync();
        f.Log(kill ? "redis-server killed (kill -9)" : "redis stopped");
        await Task.Delay(TimeSpan.FromSeconds(Math.Min(3, restartAfter)), f.Cancellation);
        await f.Cluster.Redis.StartAgainAsync();
        f.Log("redis started again");
    }

    private static string Describe(System.Text.Json.Nodes.JsonNode? run) =>
        run is null ? "no run in progress" : $"run {(string?)run["run_id"]} {(string?)run["state"]}{((string?)run["phase"] is { } phase ? $", phase {phase}" : "")}";
}
