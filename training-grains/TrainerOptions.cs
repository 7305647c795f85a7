using Microsoft.Extensions.Options;
using OrleansReco.Grains.Placement;
using OrleansReco.Training.Torch;
using OrleansReco.Training.TwoTower;

namespace OrleansReco.Trainer;

/// <summary>When and how the cluster retrains, and what a new model must show to be published. Section <c>Reco:Trainer</c>.</summary>
public sealed class TrainerOptions
{
    public const string Section = "Reco:Trainer";

    /// <summary>Time between scheduled runs (a reminder; survives silo restarts). <c>00:00:00</c>: no schedule, admin calls only. Default 1 hour.</summary>
    public TimeSpan Interval { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Share of the newest events (by time) held out to compare the new model with the current one. Default 0.1.</summary>
    public double HoldoutFraction { get; set; } = 0.1;

    /// <summary>The K of the Recall@K the publish gate compares. Default 10.</summary>
    public int RecallK { get; set; } = 10;

    /// <summary>How much lower (absolute) the new model's Recall@K may be than the current model's and still be published. Default 0.01.</summary>
    public double Tolerance { get; set; } = 0.01;

    /// <summary>A run with fewer archived events is skipped. Default 1,000.</summary>
    public int MinEvents { get; set; } = 1_000;

    /// <summary>A run with fewer held-out users to evaluate is skipped. Default 20.</summary>
    public int MinEvaluationUsers { get; set; } = 20;

    /// <summary>Only the newest this many archived events are read (memory bound of a run). Default 5,000,000.</summary>
    public int MaxEvents { get; set; } = 5_000_000;

    /// <summary>Start from the current model's weights (new users and items get fresh rows). Default true.</summary>
    public bool WarmStart { get; set; } = true;

    /// <summary>The catalog whose items the trainer reads. Default <c>default</c>.</summary>
    public string Catalog { get; set; } = "default";

    /// <summary>
    /// Fault drills only: a pause after the new bundle's chunks are stored and before the registry is asked to
    /// publish them, so that a drill can stop the trainer in the middle of a publication. Zero in production.
    /// </summary>
    public TimeSpan DrillPublishDelay { get; set; } = TimeSpan.Zero;

    /// <summary>
    /// libtorch intra-op threads of a run. 0 (default): <c>Model:Threads</c> if set, else from the cores available to
    /// the process and the silo's role: every core on a <c>train</c> silo, half of them (at least one) on an <c>all</c>
    /// silo, so that serving keeps the rest.
    /// </summary>
    public int Threads { get; set; }

    /// <summary>libtorch inter-op threads. 0 (default): one (eager training does not use that pool).</summary>
    public int InteropThreads { get; set; }

    /// <summary>
    /// Linux nice value (0-19) of the thread a run trains on and of its OpenMP workers: above 0 the run yields the CPU
    /// to serving grains and the silo's runtime in the same process. Unset (default): 10 on an <c>all</c> silo, 0 on a
    /// <c>train</c> silo.
    /// </summary>
    public int? Nice { get; set; }

    /// <summary>
    /// Whether a run's threads are in the kernel's idle scheduling class (Linux <c>SCHED_IDLE</c>): they run only on
    /// CPU time that serving does not want, and a serving thread that wakes takes the CPU from them at once. Unset
    /// (default): on for an <c>all</c> silo, off for a <c>train</c> silo.
    /// </summary>
    public bool? IdleScheduling { get; set; }

    /// <summary>The thread budget of a run on a silo of <paramref name="role"/> with <paramref name="cores"/> cores.</summary>
    public TorchThreadBudget ThreadBudget(string role, int cores) =>
        TorchThreadBudget.For(SiloRoles.Serves(role) ? TrainingHost.SharedSilo : TrainingHost.TrainingSilo, cores,
            Threads > 0 ? Threads : Model.Threads, InteropThreads, Nice, IdleScheduling);

    /// <summary>Hyper-parameters of the two-tower model (<c>Reco:Trainer:Model:Epochs</c>, <c>...:Dimension</c>, ...); defaults as <c>reco train</c>.</summary>
    public TwoTowerOptions Model { get; set; } = new();
}

/// <summary>Rejects trainer settings that cannot work, naming the key (and environment variable) that fixes it.</summary>
public sealed class TrainerOptionsValidator : IValidateOptions<TrainerOptions>
{
    public ValidateOptionsResult Validate(string? name, TrainerOptions o)
    {
        var failures = new List<string>();
        if (o.Interval < TimeSpan.Zero || (o.Interval > TimeSpan.Zero && o.Interval < TimeSpan.FromSeconds(1)))
            failures.Add($"Reco:Trainer:Interval (env Reco__Trainer__Interval) is {o.Interval}; use 00:00:00 (no schedule) or at least 00:00:01.");
        if (!(o.HoldoutFraction > 0 && o.HoldoutFraction < 0.5))
            failures.Add($"Reco:Trainer:HoldoutFraction (env Reco__Trainer__HoldoutFraction) is {o.HoldoutFraction}; use a value in (0, 0.5).");
        if (o.RecallK is < 1 or > 1000)
            failures.Add($"Reco:Trainer:RecallK (env Reco__Trainer__RecallK) is {o.RecallK}; use 1 to 1000.");
        if (!(o.Tolerance >= 0 && o.Tolerance <= 1))
            failures.Add($"Reco:Trainer:Tolerance (env Reco__Trainer__Tolerance) is {o.Tolerance}; use 0 to 1.");
        if (o.MinEvents < 1 || o.MaxEvents < o.MinEvents)
            failures.Add($"Reco:Trainer:MinEvents ({o.MinEvents}) must be positive and at most Reco:Trainer:MaxEvents ({o.MaxEvents}).");
        if (o.MinEvaluationUsers < 1)
            failures.Add($"Reco:Trainer:MinEvaluationUsers (env Reco__Trainer__MinEvaluationUsers) must be positive, not {o.MinEvaluationUsers}.");
        if (o.DrillPublishDelay < TimeSpan.Zero || o.DrillPublishDelay > TimeSpan.FromMinutes(5))
            failures.Add($"Reco:Trainer:DrillPublishDelay (env Reco__Trainer__DrillPublishDelay) is {o.DrillPublishDelay}; use 0 to 5 minutes.");
        if (string.IsNullOrWhiteSpace(o.Catalog))
            failures.Add("Reco:Trainer:Catalog (env Reco__Trainer__Catalog) must not be empty.");
        if (o.Threads < 0)
            failures.Add($"Reco:Trainer:Threads (env Reco__Trainer__Threads) is {o.Threads}; use 0 (from the cores and the silo's role) or a positive count.");
        if (o.Threads > 0 && o.Model.Threads > 0 && o.Threads != o.Model.Threads)
            failures.Add($"Reco:Trainer:Threads ({o.Threads}) and Reco:Trainer:Model:Threads ({o.Model.Threads}) disagree; set one of them.");
        if (o.InteropThreads < 0)
            failures.Add($"Reco:Trainer:InteropThreads (env Reco__Trainer__InteropThreads) is {o.InteropThreads}; use 0 (one) or a positive count.");
        if (o.Nice is < 0 or > 19)
            failures.Add($"Reco:Trainer:Nice (env Reco__Trainer__Nice) is {o.Nice}; use 0 (serving's priority) to 19 (lowest).");
        try { o.Model.Check(); }
        catch (ArgumentException e)
        {
            failures.Add(e.ParamName is { Length: > 0 } key
                ? $"Reco:Trainer:Model:{key} (env Reco__Trainer__Model__{key}): {e.Message}"
                : $"Reco:Trainer:Model: {e.Message}");
        }
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
