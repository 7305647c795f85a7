using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace OrleansReco.Harness;

/// <summary>What one fault scenario measured. Field names are those of the report JSON.</summary>
public sealed record ScenarioResult
{
    [JsonPropertyName("name")] public required string Name { get; init; }
    [JsonPropertyName("events_sent")] public int EventsSent { get; init; }
    [JsonPropertyName("events_acked")] public int EventsAcked { get; init; }
    /// <summary>Events acknowledged (202, or a 503 naming their user persisted): each must be stored exactly once.</summary>
    [JsonPropertyName("ok")] public int Ok { get; init; }
    /// <summary>Events every send of which got a definite refusal (4xx/5xx, connection refused): at most once.</summary>
    [JsonPropertyName("failed")] public int Failed { get; init; }
    /// <summary>Events not acknowledged, some send of which got no answer (timeout, reset): stored once or not at all.</summary>
    [JsonPropertyName("indeterminate")] public int Indeterminate { get; init; }
    [JsonPropertyName("indeterminate_found")] public int IndeterminateFound { get; init; }
    /// <summary>Failed events stored anyway (a 503's failed grain call may have come after its write; not a violation when stored once).</summary>
    [JsonPropertyName("failed_found")] public int FailedFound { get; init; }
    /// <summary>Acknowledged events the scenario may lose (acknowledged within its loss window before a fault; 0: none may be lost).</summary>
    [JsonPropertyName("loss_allowed")] public int LossAllowed { get; init; }
    /// <summary>Acknowledged events found in their user's history (exactly once or more).</summary>
    [JsonPropertyName("events_found")] public int EventsFound { get; init; }
    /// <summary>Events found more than once in their user's history.</summary>
    [JsonPropertyName("events_duplicated")] public int EventsDuplicated { get; init; }
    /// <summary>Acknowledged events not found (lost).</summary>
    [JsonPropertyName("events_missing")] public int EventsMissing { get; init; }
    /// <summary>Events not acknowledged (their request failed or timed out) that were persisted anyway.</summary>
    [JsonPropertyName("unacked_found")] public int UnackedFound { get; init; }
    /// <summary>First failed query sent to last failed query answered, seconds (0: no query failed).</summary>
    [JsonPropertyName("query_error_window_s")] public double QueryErrorWindowS { get; init; }
    /// <summary>Fault to the first successful request sent after the last failed one (any kind), seconds.</summary>
    [JsonPropertyName("recovery_s")] public double RecoveryS { get; init; }
    [JsonPropertyName("query_errors")] public int QueryErrors { get; init; }
    [JsonPropertyName("event_batch_errors")] public int EventBatchErrors { get; init; }
    /// <summary>Event batch sends that got no answer (timeout, connection reset): their events' outcome was unknown at that send.</summary>
    [JsonPropertyName("event_sends_unanswered")] public int EventSendsUnanswered { get; init; }
    [JsonPropertyName("queries")] public LatencySummary? Queries { get; init; }
    [JsonPropertyName("event_batches")] public LatencySummary? EventBatches { get; init; }
    /// <summary>Probe users whose recommendations after the fault equal those before it.</summary>
    [JsonPropertyName("recommendations_equal")] public string RecommendationsEqual { get; init; } = "";
    [JsonPropertyName("model_version")] public string ModelVersion { get; init; } = "";
    [JsonPropertyName("model_check")] public string ModelCheck { get; init; } = "";
    /// <summary>When each fault happened, seconds since the load began (kill, restart, join, leave…).</summary>
    [JsonPropertyName("faults_at_s")] public double[] FaultsAtS { get; init; } = [];
    [JsonPropertyName("duration_s")] public double DurationS { get; init; }
    [JsonPropertyName("notes")] public string Notes { get; init; } = "";
    [JsonPropertyName("passed")] public bool Passed { get; init; }
}

/// <summary>What a fault action can do: the cluster, the load (its clock, to mark the fault) and a log.</summary>
public sealed class FaultContext(RecoCluster cluster, LoadGenerator load, Action<string> log, CancellationToken cancellation)
{
    public RecoCluster Cluster => cluster;
    public LoadGenerator Load => load;
    public CancellationToken Cancellation => cancellation;
    /// <summary>When each fault happened (seconds since the load began), in order.</summary>
    public List<double> Faults { get; } = [];
    public List<string> Notes { get; } = [];

    /// <summary>Records now as the moment of a fault (a scenario may have several, e.g. scale out then scale in).</summary>
    public void MarkFault()
    {
        lock (Faults) Faults.Add(load.Now);
    }

    /// <summary>Seconds since the load began.</summary>
    public double Now => load.Now;

    public void Log(string line) => log($"  [{load.Now,6:F2} s] {line}");

    /// <summary>Waits until <paramref name="seconds"/> after the load began.</summary>
    public Task AtAsync(double seconds) => Task.Delay(TimeSpan.FromSeconds(Math.Max(0, seconds - load.Now)), cancellation);
}

/// <summary>A fault scenario: a name, the cluster it needs and what it does while the load runs.</summary>
public sealed record Scenario(string Name, string Description, Func<FaultContext, Task> Fault)
{
    public ClusterOptions? Cluster { get; init; }
    /// <summary>Whether the model may change during the scenario (then answers are checked against the current version only).</summary>
    public bool ChangesModel { get; init; }
    /// <summary>Whether the model must have moved to a new version by the end (a publication the fault must not undo).</summary>
    public bool RequiresNewModel { get; init; }
    /// <summary>Redis <c>appendfsync</c> of this scenario (null: the run's).</summary>
    public string? Fsync { get; init; }
    /// <summary>Run on the ready cluster before the probes and the load (e.g. a silo that must join first).</summary>
    public Func<RecoCluster, Action<string>, Task>? Setup { get; init; }
    /// <summary>Changes to the run's load for this scenario (e.g. longer, or more retries).</summary>
    public Func<LoadOptions, LoadOptions>? Load { get; init; }
    /// <summary>
    /// Seconds before each fault in which acknowledged events may be lost (Redis <c>appendfsync everysec</c>: 1);
    /// 0: no acknowledged event may be lost.
    /// </summary>
    public double LossWindowS { get; init; }
}

/// <summary>
/// Runs fault scenarios on a fresh <see cref="RecoCluster"/> each, under load from <see cref="LoadGenerator"/>, and
/// checks afterwards that every acknowledged event is in its user's history exactly once, that recommendations
/// for probe users (who get no events during the run) equal those taken before the fault, and that the model the
/// cluster serves is a complete published version.
/// </summary>
public sealed class ReliabilityRunner(LoadOptions load, ClusterOptions cluster, Action<string> log)
{
    public const int ProbeUsers = 24;

    /// <summary>The line the model registry logs when it pauses between recording a publication and telling the silos.</summary>
    public const string RegistryPauseLine = "(Reco:Model:PublishNotifyDelay)";

    /// <summary>How far ahead the clock of the silo the <c>clock-skew</c> scenario starts under <c>faketime</c> runs.</summary>
    public const string ClockSkew = "+1h";

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
            Cluster = new ClusterOptions
            {
                SiloEnvironment = new Dictionary<string, string>
                {
                    ["Reco__Trainer__MinEvents"] = "200",
                    ["Reco__Trainer__MinEvaluationUsers"] = "5",
                    ["Reco__Trainer__Model__Epochs"] = "2",
                    ["Reco__Trainer__Tolerance"] = "1",
                    ["Reco__Trainer__DrillPublishDelay"] = "00:00:04",
                },
            },
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
                SiloEnvironment = new Dictionary<string, string>
                {
                    ["Reco__Trainer__MinEvents"] = "200",
                    ["Reco__Trainer__MinEvaluationUsers"] = "5",
                    ["Reco__Trainer__Model__Epochs"] = "2",
                    ["Reco__Trainer__Tolerance"] = "1",
                    ["Reco__Model__PublishNotifyDelay"] = "00:00:05",
                    // Silos that missed the notification catch up at their next check-in.
                    ["Reco__Model__SyncInterval"] = "00:00:02",
                },
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

    public async Task<ScenarioResult> RunAsync(Scenario scenario, CancellationToken cancellation = default)
    {
        log($"scenario {scenario.Name}: {scenario.Description}");
        var options = (scenario.Cluster ?? new ClusterOptions()) with
        {
            FastFailureDetection = cluster.FastFailureDetection,
            Fsync = scenario.Fsync ?? cluster.Fsync,
            Items = cluster.Items,
            HistoryLength = cluster.HistoryLength,
            KeepWorkDirectory = cluster.KeepWorkDirectory,
            Log = line => log("  " + line),
        };
        RecoCluster? reco = null;
        try
        {
            reco = await RecoCluster.StartAsync(options, cancellation);
            return await RunOnAsync(reco, scenario, scenario.Load?.Invoke(load) ?? load, cancellation);
        }
        catch (Exception e) when (!cancellation.IsCancellationRequested)
        {
            log($"  scenario {scenario.Name} failed: {e.GetType().Name}: {e.Message}");
            if (reco is not null) log(reco.Diagnostics());
            return new ScenarioResult { Name = scenario.Name, Notes = $"{e.GetType().Name}: {First(e.Message)}", Passed = false };
        }
        finally
        {
            if (reco is not null) await reco.DisposeAsync();
        }
    }

    private async Task<ScenarioResult> RunOnAsync(RecoCluster reco, Scenario scenario, LoadOptions load, CancellationToken cancellation)
    {
        if (scenario.Setup is { } setup) await setup(reco, line => log("  " + line));
        using var client = reco.CreateClient(load.RequestTimeout);
        // Probe users: a few events each before the run and none during it, so their answers must not change.
        string[] probes = Enumerable.Range(0, ProbeUsers).Select(i => "probe-u" + i.ToString(CultureInfo.InvariantCulture)).ToArray();
        var random = new Random(11);
        var seed = probes.SelectMany(u => Enumerable.Range(0, 5).Select(j =>
            new LoadEvent($"{u}-seed-{j}", u, RecoCluster.ItemId(random.Next(cluster.Items)), "purchase", DateTimeOffset.UtcNow.ToUnixTimeSeconds() - 1000 + j))).ToArray();
        var seeded = await client.PostEventsAsync(seed, cancellation);
        if (seeded != System.Net.HttpStatusCode.Accepted) throw new InvalidOperationException($"seeding probe users: POST /v1/events answered {(int)seeded}");
        var before = await ProbeAsync(client, probes, expected: null, version: null, TimeSpan.FromSeconds(60), cancellation);

        var generator = new LoadGenerator(client, load with { Items = cluster.Items });
        using var faultStop = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        var fault = new FaultContext(reco, generator, log, faultStop.Token);
        var loadTask = generator.RunAsync(cancellation: cancellation);
        var faultTask = scenario.Fault(fault);
        var result = await loadTask;
        log($"  load done: {result.EventsSent} events sent: {result.Count(WriteOutcome.Ok)} ok, {result.Count(WriteOutcome.Failed)} failed, " +
            $"{result.Count(WriteOutcome.Indeterminate)} indeterminate; {result.Queries.Errors} of {result.Queries.Requests} queries failed");
        await faultTask;

        // Read back every user's history once the cluster answers again.
        var found = new Dictionary<string, int>(StringComparer.Ordinal);
        var users = result.Sent.Values.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
        foreach (var user in users)
            foreach (var id in await RetryAsync(() => client.HistoryEventIdsAsync(user, cancellation), $"reading the history of {user}", cancellation))
                found[id] = found.GetValueOrDefault(id) + 1;
        int acked = result.Acked.Count;
        int foundAcked = result.Acked.Keys.Count(found.ContainsKey);
        int duplicated = found.Count(p => p.Value > 1 && result.Sent.ContainsKey(p.Key));
        int unackedFound = result.Sent.Keys.Count(id => !result.Acked.ContainsKey(id) && found.ContainsKey(id));
        int FoundOf(WriteOutcome outcome) => result.Outcomes.Count(p => p.Value == outcome && found.ContainsKey(p.Key));
        var lost = result.Acked.Keys.Where(id => !found.ContainsKey(id)).ToArray();
        var missing = lost.Take(5).ToArray();
        // Acknowledged events the scenario may lose: those acknowledged within its loss window before a fault (and
        // while the fault was being carried out). Every lost event must be one of them.
        bool MayLose(string id) => scenario.LossWindowS > 0 && result.AckedAt.TryGetValue(id, out double at)
            && fault.Faults.Any(f => at >= f - scenario.LossWindowS && at <= f + 0.5);
        int lossAllowed = result.Acked.Keys.Count(MayLose);
        bool lossOk = lost.All(MayLose);

        // Model: the current version must be a complete publication that every serving silo answers from.
        var model = await RetryAsync(() => client.ModelAsync(cancellation), "reading the model", cancellation);
        string current = (string?)model["current"]?["version"] ?? RecoCluster.ModelVersion;
        var after = await ProbeAsync(client, probes, scenario.ChangesModel ? null : before, current, TimeSpan.FromSeconds(60), cancellation);
        int equal = probes.Count(p => before[p].ItemIds.SequenceEqual(after[p].ItemIds));
        bool versionsOk = after.Values.All(r => r.ModelVersion == current && !r.Partial);
        bool modelChanged = current != RecoCluster.ModelVersion;
        bool recommendationsOk = (scenario.ChangesModel && modelChanged) || equal == probes.Length;
        string modelCheck = versionsOk
            ? $"every probe answered from {current}, none partial"
            : $"answers from {string.Join(", ", after.Values.Select(r => r.ModelVersion + (r.Partial ? " (partial)" : "")).Distinct())}, current {current}";

        var failedQueries = result.Requests.Where(r => r.Kind == "query" && !r.Ok).ToArray();
        double window = failedQueries.Length == 0 ? 0 : failedQueries.Max(r => r.End) - failedQueries.Min(r => r.Start);
        double recovery = Recovery(result.Requests, fault.Faults);
        var notes = new List<string>(fault.Notes);
        if (missing.Length > 0) notes.Add("missing e.g. " + string.Join(", ", missing));
        if (scenario.ChangesModel) notes.Add(modelChanged ? $"the model moved to {current} (answers compared by version)" : $"the model stayed at {current}");
        if (lost.Length > 0 && lossOk) notes.Add($"{lost.Length} lost events, all acknowledged within {scenario.LossWindowS:0.#} s before the fault");
        bool passed = acked > 0 && lossOk && duplicated == 0 && recommendationsOk && versionsOk && (!scenario.RequiresNewModel || modelChanged);
        var summary = new ScenarioResult
        {
            Name = scenario.Name,
            EventsSent = result.EventsSent,
            EventsAcked = acked,
            Ok = result.Count(WriteOutcome.Ok),
            Failed = result.Count(WriteOutcome.Failed),
            Indeterminate = result.Count(WriteOutcome.Indeterminate),
            IndeterminateFound = FoundOf(WriteOutcome.Indeterminate),
            FailedFound = FoundOf(WriteOutcome.Failed),
            LossAllowed = lossAllowed,
            EventsFound = foundAcked,
            EventsDuplicated = duplicated,
            EventsMissing = acked - foundAcked,
            UnackedFound = unackedFound,
            QueryErrorWindowS = Math.Round(window, 2),
            RecoveryS = Math.Round(recovery, 2),
            QueryErrors = result.Queries.Errors,
            EventBatchErrors = result.Events.Errors,
            EventSendsUnanswered = result.Requests.Count(r => r.Kind == "events" && r.Status == LoadGenerator.NoAnswer),
            Queries = result.Queries,
            EventBatches = result.Events,
            RecommendationsEqual = $"{equal}/{probes.Length}",
            ModelVersion = current,
            ModelCheck = modelCheck,
            FaultsAtS = fault.Faults.Select(f => Math.Round(f, 2)).ToArray(),
            DurationS = Math.Round(result.DurationSeconds, 2),
            Notes = string.Join("; ", notes),
            Passed = passed,
        };
        log($"  {(passed ? "PASSED" : "FAILED")}: ok {acked}, found {foundAcked}, duplicated {duplicated}, indeterminate {summary.Indeterminate} ({summary.IndeterminateFound} found), " +
            $"failed {summary.Failed} ({summary.FailedFound} found), query error window {summary.QueryErrorWindowS:F2} s, recovery {summary.RecoveryS:F2} s, recommendations equal {summary.RecommendationsEqual}, {modelCheck}");
        return summary;
    }

    /// <summary>
    /// Seconds from the fault behind the last failed request (the latest fault before it was sent) to the first
    /// successful request sent after it; when nothing failed, from the first fault to the first success sent after it.
    /// </summary>
    public static double Recovery(IReadOnlyList<RequestRecord> requests, IReadOnlyList<double> faults)
    {
        if (faults.Count == 0) return 0;
        var failures = requests.Where(r => !r.Ok && r.End >= faults[0]).ToArray();
        double lastFailure = failures.Length == 0 ? faults[0] : failures.Max(r => r.Start);
        double fault = faults.Where(f => f <= lastFailure).DefaultIfEmpty(faults[0]).Max();
        var firstOk = requests.Where(r => r.Ok && r.Start >= lastFailure && r.Start >= fault).OrderBy(r => r.End).FirstOrDefault();
        return firstOk == default ? double.NaN : Math.Max(0, firstOk.End - fault);
    }

    /// <summary>
    /// Recommendations of every probe user; waits (bounded) until none is partial and, when given, all equal
    /// <paramref name="expected"/> and come from model <paramref name="version"/>.
    /// </summary>
    private static async Task<Dictionary<string, RecommendationAnswer>> ProbeAsync(GatewayClient client, string[] probes, Dictionary<string, RecommendationAnswer>? expected,
        string? version, TimeSpan timeout, CancellationToken cancellation)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var answers = new Dictionary<string, RecommendationAnswer>(StringComparer.Ordinal);
            string? problem = null;
            foreach (var user in probes)
            {
                try
                {
                    var r = await client.RecommendAsync(user, 10, cancellation);
                    answers[user] = r;
                    if (r.Partial) problem ??= $"{user}: partial answer";
                    else if (r.ItemIds.Length == 0) problem ??= $"{user}: empty answer";
                    else if (version is not null && r.ModelVersion != version) problem ??= $"{user}: answered from model {r.ModelVersion}, not {version}";
                    else if (expected is not null && !expected[user].ItemIds.SequenceEqual(r.ItemIds)) problem ??= $"{user}: answer differs from the one before the fault";
                }
                catch (HttpRequestException e)
                {
                    problem ??= $"{user}: {e.Message}";
                }
            }
            if (problem is null || (DateTime.UtcNow > deadline && answers.Count == probes.Length)) return answers;
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"probe users: no complete answer within {timeout.TotalSeconds:F0} s ({problem})");
            await Task.Delay(500, cancellation);
        }
    }

    private static async Task<T> RetryAsync<T>(Func<Task<T>> read, string what, CancellationToken cancellation)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (true)
        {
            try
            {
                return await read();
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException && DateTime.UtcNow < deadline && !cancellation.IsCancellationRequested)
            {
                await Task.Delay(500, cancellation);
            }
        }
    }

    private static string First(string message) => message.Split('\n')[0];

    private static string Shorten(string text, int length) => text.Length <= length ? text : text[..length] + "…";

    /// <summary>Writes <paramref name="path"/> (JSON) and the Markdown report (default: <c>reliability-report.md</c> beside it).</summary>
    public static void WriteReport(string path, IReadOnlyList<ScenarioResult> scenarios, LoadOptions load, ClusterOptions cluster, double seconds, string? markdownPath = null)
    {
        var full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        var doc = new Dictionary<string, object?>
        {
            ["scenarios"] = scenarios,
            ["load"] = new Dictionary<string, object?>
            {
                ["event_rate_per_s"] = load.EventRate, ["batch_size"] = load.BatchSize, ["query_rate_per_s"] = load.QueryRate,
                ["duration_s"] = load.Duration.TotalSeconds, ["users"] = load.Users, ["attempts_per_batch"] = load.Attempts,
            },
            ["cluster"] = new Dictionary<string, object?>
            {
                ["silos"] = $"{cluster.ServingSilos} serve + {(cluster.TrainSilo ? 1 : 0)} train", ["redis_appendfsync"] = cluster.Fsync,
                ["fast_failure_detection"] = cluster.FastFailureDetection, ["items"] = cluster.Items,
            },
            ["machine"] = new Dictionary<string, object?> { ["cores"] = Environment.ProcessorCount, ["load_average"] = LoadAverage() },
            ["total_seconds"] = Math.Round(seconds, 1),
            ["passed"] = scenarios.All(s => s.Passed),
        };
        var json = new JsonSerializerOptions { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower, NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals };
        File.WriteAllText(full, JsonSerializer.Serialize(doc, json) + "\n");

        var md = new StringBuilder();
        md.AppendLine("# Reliability under load and faults").AppendLine();
        md.AppendLine($"Cluster: redis-server (appendonly yes, appendfsync {cluster.Fsync}), {cluster.ServingSilos} serving silos + {(cluster.TrainSilo ? "1 train silo" : "no train silo")}, the HTTP gateway in Client mode; ")
          .AppendLine($"failure detection {(cluster.FastFailureDetection ? "tuned (probe timeout 2 s, 2 missed probes, grain-call timeout 10 s)" : "Orleans defaults")}. ")
          .AppendLine($"Load per scenario: {load.EventRate:F0} events/s in batches of {load.BatchSize}, {load.QueryRate:F0} recommendation queries/s, {load.Duration.TotalSeconds:F0} s, {load.Users} users; a failed batch is sent again with the same event ids (up to {load.Attempts} sends). ")
          .AppendLine($"Machine: {Environment.ProcessorCount} cores, load average {LoadAverage()}.").AppendLine();
        md.AppendLine("| scenario | sent | ok | failed (found) | indeterminate (found) | ok found | duplicated | missing (may lose) | query errors | query error window (s) | recovery (s) | recommendations equal | verdict |");
        md.AppendLine("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |");
        foreach (var s in scenarios)
            md.AppendLine(CultureInfo.InvariantCulture, $"| {s.Name} | {s.EventsSent} | {s.Ok} | {s.Failed} ({s.FailedFound}) | {s.Indeterminate} ({s.IndeterminateFound}) | {s.EventsFound} | {s.EventsDuplicated} | {s.EventsMissing} ({s.LossAllowed}) | {s.QueryErrors} | {s.QueryErrorWindowS:F2} | {s.RecoveryS:F2} | {s.RecommendationsEqual} | {(s.Passed ? "passed" : "FAILED")} |");
        md.AppendLine();
        foreach (var s in scenarios)
        {
            md.AppendLine($"- **{s.Name}** — {(s.Passed ? "passed" : "FAILED")}: faults at {string.Join(", ", s.FaultsAtS.Select(f => f.ToString("F1", CultureInfo.InvariantCulture)))} s of {s.DurationS:F1} s of load; " +
                $"{s.UnackedFound} unacknowledged events were persisted anyway; {s.EventBatchErrors} failed batch sends ({s.EventSendsUnanswered} unanswered); model: {s.ModelCheck}" +
                (s.Queries is { } q ? $"; query latency p50 {q.P50Ms:F1} ms, p99 {q.P99Ms:F1} ms, max {q.MaxMs:F0} ms" : "") +
                (string.IsNullOrEmpty(s.Notes) ? "." : $"; {s.Notes}."));
        }
        md.AppendLine().AppendLine("Every event sent is one operation: `ok` when a send was acknowledged (202, or a 503 naming its user persisted), " +
            "`indeterminate` when not and some send got no answer (timeout, connection reset), `failed` when every send got a definite refusal " +
            "(4xx/5xx, connection refused). Ok events must be stored exactly once; indeterminate and failed ones at most once. " +
            "`may lose` counts the ok events acknowledged within a scenario's loss window before its fault (only `redis-kill9-everysec`: 1 s); every missing event must be one of them. " +
            "The `redis-kill9-*` scenarios set their own appendfsync. " +
            "`ok found` counts acknowledged events present in their user's history (`GET /v1/users/{id}`, matched by event id); " +
            "`query error window` runs from the first failed query sent to the last failed query answered; `recovery` from the fault to the first " +
            "successful request sent after the last failed one. Recommendations are compared for probe users who got no events during the run.");
        File.WriteAllText(markdownPath ?? Path.Combine(Path.GetDirectoryName(full)!, "reliability-report.md"), md.ToString());
    }

    private static string LoadAverage() => File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Trim() : "";
}
