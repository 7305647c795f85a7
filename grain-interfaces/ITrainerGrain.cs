namespace OrleansReco.GrainInterfaces;

/// <summary>
/// The cluster's trainer (one grain, key <see cref="Trainers.Key"/>), placed only on silos of role <c>train</c> (or
/// <c>all</c>). A run reads the event archive and the catalogues, warm-starts from the current model, trains,
/// evaluates the result against the current model on the newest events and publishes it only if Recall@K did not
/// regress beyond the configured tolerance. One run at a time; a run is started by the schedule or an admin call.
/// </summary>
[Alias("reco.ITrainerGrain")]
public interface ITrainerGrain : IGrainWithStringKey
{
    /// <summary>
    /// Starts a run and returns at once with it (state <see cref="TrainingRunState.Running"/>); when a run is already
    /// going, returns that run instead (<see cref="TrainingRunInfo.RequestedBy"/> tells whose it is).
    /// </summary>
    [Alias("StartRun")]
    Task<TrainingRunInfo> StartRunAsync(string requestedBy, TrainingOverrides? overrides = null);

    /// <summary>The run in progress (if any), the most recent runs (newest first) and the schedule.</summary>
    [Alias("GetStatus")]
    Task<TrainerStatus> GetStatusAsync();

    /// <summary>Registers (or updates, or removes when the interval is zero) the reminder that starts scheduled runs.</summary>
    [Alias("EnsureScheduled")]
    Task<TimeSpan> EnsureScheduledAsync();
}

/// <summary>How a training run ended (or that it has not yet).</summary>
[GenerateSerializer, Alias("reco.TrainingRunState")]
public enum TrainingRunState
{
    Running = 0,
    /// <summary>The new model passed the gate and is current.</summary>
    Published = 1,
    /// <summary>The new model regressed beyond the tolerance; the current model stays (see the reason).</summary>
    Rejected = 2,
    /// <summary>Not enough data to train or to evaluate; nothing changed.</summary>
    Skipped = 3,
    /// <summary>An error, or the silo stopped during the run; nothing changed.</summary>
    Failed = 4,
}

/// <summary>
/// One training run: who asked, when, the model it started from and the one it produced, what happened and why,
/// and its figures (examples, examples/s, seconds, Recall@K of the candidate and of the current model). While it
/// runs, <paramref name="Phase"/> says what it is doing: reading, training, uploading, publishing.
/// </summary>
[GenerateSerializer, Immutable, Alias("reco.TrainingRunInfo")]
public sealed record TrainingRunInfo(
    [property: Id(0)] string RunId,
    [property: Id(1)] string RequestedBy,
    [property: Id(2)] DateTimeOffset StartedAt,
    [property: Id(3)] TrainingRunState State,
    [property: Id(4)] DateTimeOffset? FinishedAt = null,
    [property: Id(5)] string? BaseVersion = null,
    [property: Id(6)] string? CandidateVersion = null,
    [property: Id(7)] string? Reason = null,
    [property: Id(8)] Dictionary<string, double>? Metrics = null,
    [property: Id(9)] string? Silo = null,
    [property: Id(10)] string? Device = null,
    [property: Id(11)] string? Phase = null);

/// <summary>The trainer's state: the run in progress, recent runs (newest first), and the schedule (zero: none).</summary>
[GenerateSerializer, Immutable, Alias("reco.TrainerStatus")]
public sealed record TrainerStatus(
    [property: Id(0)] TrainingRunInfo? Current,
    [property: Id(1)] TrainingRunInfo[] Recent,
    [property: Id(2)] TimeSpan Interval,
    [property: Id(3)] string Silo);

/// <summary>
/// Settings of one run that differ from the configured ones (null: as configured). <paramref name="ShuffleLabels"/>
/// is a drill of the publish gate: the run trains from scratch on events whose items were replaced by random ones,
/// so the candidate must be rejected.
/// </summary>
[GenerateSerializer, Immutable, Alias("reco.TrainingOverrides")]
public sealed record TrainingOverrides(
    [property: Id(0)] int? Epochs = null,
    [property: Id(1)] double? LearningRate = null,
    [property: Id(2)] long? Seed = null,
    [property: Id(3)] bool ShuffleLabels = false,
    [property: Id(4)] bool? WarmStart = null);

/// <summary>Where the trainer lives.</summary>
public static class Trainers
{
    /// <summary>Key of the one trainer grain.</summary>
    public const string Key = "default";

    public static ITrainerGrain Trainer(this IGrainFactory grains) => grains.GetGrain<ITrainerGrain>(Key);
}
