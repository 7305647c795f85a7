using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OrleansReco.Core.Model;
using OrleansReco.GrainInterfaces;
using OrleansReco.Grains;
using OrleansReco.Grains.Events;
using OrleansReco.Grains.Items;
using OrleansReco.Grains.Model;
using OrleansReco.Grains.Placement;
using OrleansReco.Grains.Telemetry;
using OrleansReco.Training.Torch;

namespace OrleansReco.Trainer;

/// <summary>
/// The trainer (key <see cref="Trainers.Key"/>), on training silos only. A run: read the archive and catalogs, train
/// on a thread of its own within the silo's thread budget and below serving's priority (<see cref="TorchThreadBudget"/>;
/// warm start from the current model), gate on the newest events, then upload the bundle in chunks and publish it
/// through the registry, which makes it current in one recorded step. A run that dies at any
/// point leaves the current model in place: nothing is current until the registry has recorded it; the next
/// activation marks an interrupted run failed.
/// </summary>
[TrainingSilosOnly]
public sealed partial class TrainerGrain(
    [PersistentState("trainer", StorageNames.Models)] IPersistentState<TrainerState> state,
    IOptions<TrainerOptions> options,
    IOptions<ModelOptions> modelOptions,
    IOptions<ItemShardOptions> shardOptions,
    TorchThreadBudget threads,
    IEventArchive archive,
    IModelProvider models,
    LifecycleMetrics metrics,
    ILocalSiloDetails silo,
    TimeProvider time,
    ILogger<TrainerGrain> logger) : Grain, ITrainerGrain, IRemindable
{
    private const string ReminderName = "retrain";
    private const int KeptRuns = 50;
    private TrainingRunInfo? _current;
    private CancellationTokenSource? _stop;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        var interrupted = state.State.Runs.Where(r => r.State == TrainingRunState.Running).ToList();
        if (interrupted.Count == 0) return;
        foreach (var run in interrupted)
            Replace(run with { State = TrainingRunState.Failed, FinishedAt = time.GetUtcNow(), Reason = "Interrupted: the trainer stopped during the run; nothing was published by it." });
        await state.WriteStateAsync(cancellationToken);
        foreach (var run in interrupted) await DiscardUploadAsync(run.RunId, VersionOf(run));
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        if (_current is { } run)
        {
            _stop?.Cancel();
            Replace(run with { State = TrainingRunState.Failed, FinishedAt = time.GetUtcNow(), Reason = $"Stopped: {reason.Description}; nothing was published by the run." });
            _current = null;
            await state.WriteStateAsync(cancellationToken);
        }
    }

    public async Task<TrainingRunInfo> StartRunAsync(string requestedBy, TrainingOverrides? overrides = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(requestedBy);
        if (_current is { } running) return running;
        int number = ++state.State.RunCount;
        var started = time.GetUtcNow();
        var run = new TrainingRunInfo($"run-{number:D5}", requestedBy, started, TrainingRunState.Running, Silo: silo.Name);
        state.State.Runs.Add(run);
        await state.WriteStateAsync();
        _current = run;
        _stop = new CancellationTokenSource();
        // Keep the activation for the run; the run's continuations are turns of this grain, so state stays consistent.
        DelayDeactivation(TimeSpan.FromHours(12));
        _ = RunAsync(run, overrides, VersionOf(run), _stop.Token);
        LogStarted(run.RunId, requestedBy);
        return run;
    }

    public Task<TrainerStatus> GetStatusAsync()
    {
        var recent = state.State.Runs.AsEnumerable().Reverse().Take(20).ToArray();
        return Task.FromResult(new TrainerStatus(_current, recent, options.Value.Interval, silo.Name));
    }

    public async Task<TimeSpan> EnsureScheduledAsync()
    {
        var interval = options.Value.Interval;
        if (interval > TimeSpan.Zero)
            await this.RegisterOrUpdateReminder(ReminderName, interval, interval);
        else if (await this.GetReminder(ReminderName) is { } reminder)
            await this.UnregisterReminder(reminder);
        return interval;
    }

    public Task ReceiveReminder(string reminderName, TickStatus status) =>
        reminderName == ReminderName && _current is null ? StartRunAsync("schedule") : Task.CompletedTask;

    private async Task RunAsync(TrainingRunInfo run, TrainingOverrides? overrides, string version, CancellationToken stop)
    {
        long start = Stopwatch.GetTimestamp();
        TrainingRunInfo ended;
        TrainingRunInfo? publishing = null;
        try
        {
            Phase(run, "reading");
            var registry = GrainFactory.Registry();
            var currentInfo = await registry.GetCurrentAsync();
            var current = currentInfo is null ? null : await CurrentBundleAsync(currentInfo);
            var inputs = await TrainingSource.ReadAsync(GrainFactory, archive, options.Value, shardOptions.Value.Count, current, threads, stop);
            Phase(run, "training");
            var used = new Dictionary<string, double>(StringComparer.Ordinal) { ["readSeconds"] = Stopwatch.GetElapsedTime(start).TotalSeconds };
            // The whole run (preparing the data, training, scoring the hold-out) on the trainer's own thread, at the
            // budget's priority: beside serving it takes only what serving leaves.
            var outcome = await TorchThreads.RunAsync(threads, "reco-trainer", () =>
            {
                var result = TrainingPipeline.Run(inputs, current, options.Value, overrides, version, log: null, stop);
                // What the training thread ran with, as libtorch and the kernel report it.
                used["threads"] = TorchThreads.CurrentThreadCount();
                used["nice"] = TorchThreads.CurrentNice();
                used["idleClass"] = TorchThreads.CurrentIsIdle() ? 1 : 0;
                return result;
            });
            ended = run with
            {
                BaseVersion = currentInfo?.Version,
                CandidateVersion = outcome.Candidate?.Header.Version,
                Reason = outcome.Reason,
                Metrics = new(outcome.Metrics.Concat(used), StringComparer.Ordinal),
                Device = outcome.Device,
            };
            foreach (var (name, value) in outcome.Metrics.Where(m => m.Key.Contains("Recall", StringComparison.Ordinal)))
                metrics.Validation(version, name, value);
            if (outcome.State == TrainingRunState.Published && outcome.Candidate is { } candidate)
            {
                Phase(run, "uploading");
                var bytes = candidate.ToBytes();
                int chunks = await BundleChunks.UploadAsync(GrainFactory, version, bytes, modelOptions.Value.ChunkBytes);
                Phase(run, "publishing");
                if (options.Value.DrillPublishDelay > TimeSpan.Zero) await Task.Delay(options.Value.DrillPublishDelay, stop);
                stop.ThrowIfCancellationRequested();
                publishing = ended;
                await registry.PublishUploadedAsync(version, bytes.Length, chunks, $"trainer:{run.RunId} ({run.RequestedBy})", outcome.Metrics);
            }
            ended = ended with { State = outcome.State };
        }
        catch (Exception e)
        {
            if (publishing is not null && await RecordedAsync(version))
            {
                // The publish call failed after the registry recorded the version (its silo died before answering):
                // the version is the cluster's model, so the run published it.
                ended = publishing with
                {
                    State = TrainingRunState.Published,
                    Reason = $"{publishing.Reason} The registry recorded {version} although the publish call failed ({e.GetType().Name}: {e.Message}).".TrimStart(),
                };
                LogPublishAnswerLost(e, run.RunId, version);
            }
            else
            {
                ended = run with { State = TrainingRunState.Failed, Reason = $"{e.GetType().Name}: {e.Message}" };
                LogFailed(e, run.RunId);
                await DiscardUploadAsync(run.RunId, version);
            }
        }
        double seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
        ended = ended with { Phase = null, FinishedAt = time.GetUtcNow(), Metrics = new(ended.Metrics ?? [], StringComparer.Ordinal) { ["runSeconds"] = seconds } };
        if (_current?.RunId != run.RunId) return; // the activation stopped meanwhile and recorded the run as failed
        Replace(ended);
        _current = null;
        _stop?.Dispose();
        _stop = null;
        metrics.RunEnded(ended.State.ToString().ToLowerInvariant(), seconds, ended.Metrics!.GetValueOrDefault("examplesPerSecond"));
        LogEnded(run.RunId, ended.State, ended.CandidateVersion, seconds, ended.Reason);
        try { await state.WriteStateAsync(); }
        catch (Exception e) { LogNotSaved(e, run.RunId); }
    }

    /// <summary>The version a run publishes its candidate under (from its start time and number).</summary>
    private static string VersionOf(TrainingRunInfo run) =>
        $"twotower-{run.StartedAt.UtcDateTime:yyyyMMdd'T'HHmmss'Z'}-r{int.Parse(run.RunId.AsSpan("run-".Length), System.Globalization.CultureInfo.InvariantCulture)}";

    /// <summary>
    /// Whether the registry has recorded <paramref name="version"/>, asked again while the registry is unreachable (its
    /// grain moves to another silo once the cluster has declared the old one dead) for at most
    /// <see cref="RegistryRecoveryWait"/>.
    /// </summary>
    private async Task<bool> RecordedAsync(string version)
    {
        var clock = Stopwatch.StartNew();
        for (var pause = TimeSpan.FromMilliseconds(250); ; pause *= 2)
        {
            try
            {
                var history = await GrainFactory.Registry().GetHistoryAsync();
                return history.Any(v => string.Equals(v.Version, version, StringComparison.Ordinal));
            }
            catch (Exception) when (clock.Elapsed + pause < RegistryRecoveryWait)
            {
                await Task.Delay(pause);
            }
            catch (Exception)
            {
                return false;
            }
        }
    }

    /// <summary>How long a run whose publish call failed keeps asking the registry whether it recorded the version.</summary>
    private static readonly TimeSpan RegistryRecoveryWait = TimeSpan.FromSeconds(60);

    /// <summary>Asks the registry to delete what a failed run uploaded (nothing when the registry recorded it).</summary>
    private async Task DiscardUploadAsync(string runId, string version)
    {
        try { await GrainFactory.Registry().DiscardAsync(version); }
        catch (Exception e) { LogNotDiscarded(e, runId, version); }
    }

    /// <summary>
    /// The registry's current bundle: the one this silo already serves when it is that version (no download, no
    /// parse: on a silo that also serves, a run then allocates hundreds of megabytes less, and every collection that
    /// saves is a pause serving does not take), else downloaded from the registry's chunks.
    /// </summary>
    private async Task<ModelBundle> CurrentBundleAsync(ModelVersionInfo currentInfo)
    {
        if (models.IsLoaded && models.Current is var loaded && string.Equals(loaded.Version, currentInfo.Version, StringComparison.Ordinal))
            return loaded.Bundle;
        return ModelBundle.Parse(await BundleChunks.DownloadAsync(GrainFactory, currentInfo));
    }

    /// <summary>Shows what the run in progress is doing (in <see cref="GetStatusAsync"/>).</summary>
    private void Phase(TrainingRunInfo run, string phase)
    {
        if (_current?.RunId == run.RunId) _current = _current with { Phase = phase };
    }

    private void Replace(TrainingRunInfo run)
    {
        var runs = state.State.Runs;
        int index = runs.FindIndex(r => r.RunId == run.RunId);
        if (index >= 0) runs[index] = run;
        else runs.Add(run);
        if (runs.Count > KeptRuns) runs.RemoveRange(0, runs.Count - KeptRuns);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Training {RunId} started (requested by {RequestedBy})")]
    private partial void LogStarted(string runId, string requestedBy);

    [LoggerMessage(Level = LogLevel.Information, Message = "Training {RunId} ended {State} (model {Version}) after {Seconds:F1} s: {Reason}")]
    private partial void LogEnded(string runId, TrainingRunState state, string? version, double seconds, string? reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Training {RunId}: the publish call failed, but the registry had recorded {Version}; the run published it")]
    private partial void LogPublishAnswerLost(Exception error, string runId, string version);

    [LoggerMessage(Level = LogLevel.Error, Message = "Training {RunId} failed; the current model stays")]
    private partial void LogFailed(Exception error, string runId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Training {RunId}: the chunks of {Version} could not be deleted")]
    private partial void LogNotDiscarded(Exception error, string runId, string version);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Training {RunId}: the run's record could not be saved")]
    private partial void LogNotSaved(Exception error, string runId);
}
