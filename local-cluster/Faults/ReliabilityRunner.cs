using System.Globalization;
namespace OrleansReco.LocalCluster;

/// <summary>
/// Runs fault scenarios on a fresh <see cref="RecoCluster"/> each, under load from <see cref="LoadGenerator"/>, and
/// checks afterwards that every acknowledged event is in its user's history exactly once, that recommendations
/// for probe users (who get no events during the run) equal those taken before the fault, and that the model the
/// cluster serves is a complete published version.
/// </summary>
public sealed partial class ReliabilityRunner(LoadOptions load, ClusterOptions cluster, Action<string> log)
{
    public const int ProbeUsers = 24;

    /// <summary>The line the model registry logs when it pauses between recording a publication and telling the silos.</summary>
    public const string RegistryPauseLine = "(Reco:Model:PublishNotifyDelay)";

    /// <summary>How far ahead the clock of the silo the <c>clock-skew</c> scenario starts under <c>faketime</c> runs.</summary>
    public const string ClockSkew = "+1h";

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
}
