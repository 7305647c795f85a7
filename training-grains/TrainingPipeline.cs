using System.Diagnostics;
using OrleansReco.Core.Data;
using OrleansReco.Core.Evaluation;
using OrleansReco.Core.Model;
using OrleansReco.GrainInterfaces;
using OrleansReco.Training.TwoTower;

namespace OrleansReco.Trainer;

/// <summary>What a run trains on: archived events (any order), the item and user feature tables, and every catalog item id.</summary>
public sealed record TrainingInputs(IReadOnlyList<Interaction> Events, FeatureTable? Items, FeatureTable? Users, IReadOnlyList<string> Catalog);

/// <summary>The end of a run: the decision and why, the candidate bundle (when one was trained) and the run's figures.</summary>
public sealed record TrainingOutcome(TrainingRunState State, string Reason, ModelBundle? Candidate, Dictionary<string, double> Metrics, string? Device);

/// <summary>
/// One training run without the cluster: hold out the newest events, train (warm-started from the current model),
/// score the candidate and the current model on the held-out events with the same C# forward pass serving uses, and
/// decide. The candidate is trained on the events before the hold-out only, so both models are judged on events
/// neither was trained on (a current model trained offline on everything would have an advantage: it is then
/// replaced only by a candidate close to it).
/// </summary>
public static class TrainingPipeline
{
    public const string CandidateRecall = "holdoutRecall@{0}";
    public const string CurrentRecall = "currentHoldoutRecall@{0}";

    /// <remarks>
    /// Everything runs on the calling thread (the hold-out comparison's parallel scoring on the current task
    /// scheduler, with the intra-op thread count of the budget in force): on a silo that is the trainer's thread of
    /// lower priority (<see cref="Training.Torch.TorchThreads.RunAsync"/>), so that preparing the data and scoring
    /// the hold-out give way to serving as training does.
    /// </remarks>
    public static TrainingOutcome Run(TrainingInputs inputs, ModelBundle? current, TrainerOptions options, TrainingOverrides? overrides, string version,
        TextWriter? log = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(options);
        var metrics = new Dictionary<string, double>(StringComparer.Ordinal)
        {
            ["events"] = inputs.Events.Count,
            ["catalogueItems"] = inputs.Catalog.Count,
            ["profiles"] = inputs.Users?.Count ?? 0,
        };
        if (inputs.Events.Count < options.MinEvents)
            return new(TrainingRunState.Skipped, $"{inputs.Events.Count} archived events; a run needs at least {options.MinEvents} (Reco:Trainer:MinEvents).", null, metrics, null);

        long start = Stopwatch.GetTimestamp(), allocated = GC.GetAllocatedBytesForCurrentThread();
        var data = new InteractionDataset(inputs.Events, inputs.Users, inputs.Items);
        var split = Splits.GlobalTemporal(data, validationFraction: 0, testFraction: options.HoldoutFraction);
        metrics["trainEvents"] = split.Train.Interactions.Count;
        metrics["holdoutUsers"] = split.Test.Count;
        metrics["tiesByArrival"] = split.Stats.TiesByArrival ? 1 : 0;
        if (split.Test.Count < options.MinEvaluationUsers)
            return new(TrainingRunState.Skipped,
                $"{split.Test.Count} users have new items among the newest {options.HoldoutFraction:P0} of events; the gate needs at least {options.MinEvaluationUsers} (Reco:Trainer:MinEvaluationUsers).",
                null, metrics, null);
        cancellationToken.ThrowIfCancellationRequested();

        var catalog = split.Catalog.Concat(inputs.Catalog).Distinct(StringComparer.Ordinal).ToList();
        var model = options.Model with
        {
            Epochs = overrides?.Epochs ?? options.Model.Epochs,
            LearningRate = overrides?.LearningRate ?? options.Model.LearningRate,
            Seed = overrides?.Seed ?? options.Model.Seed,
        };
        var train = split.Train;
        bool shuffle = overrides?.ShuffleLabels == true;
        if (shuffle) train = train with { Interactions = RandomLabels(train.Interactions, catalog, model.Seed) };
        bool warm = current is not null && !shuffle && (overrides?.WarmStart ?? options.WarmStart);

        ModelBundle candidate;
        string device;
        using (var trainer = new TwoTowerTrainer(train, model, catalog, log, warm ? current : null))
        {
            metrics["prepareSeconds"] = Stopwatch.GetElapsedTime(start).TotalSeconds;
            metrics["prepareAllocatedMiB"] = (GC.GetAllocatedBytesForCurrentThread() - allocated) / 1048576.0;
            var history = trainer.Train(cancellationToken: cancellationToken);
            int epochs = history.Epochs.Count;
            (candidate, device) = (trainer.ExportBundle(version), trainer.DeviceName);
            metrics["trainExamples"] = trainer.TrainExamples;
            metrics["epochs"] = epochs;
            metrics["trainSeconds"] = history.Seconds;
            metrics["examplesPerSecond"] = history.Seconds > 0 ? (double)trainer.TrainExamples * epochs / history.Seconds : 0;
        }
        metrics["warmStart"] = warm ? 1 : 0;
        cancellationToken.ThrowIfCancellationRequested();
        long scoring = Stopwatch.GetTimestamp();

        int k = options.RecallK;
        double candidateRecall = HoldoutRecall(candidate, split, data, k);
        metrics[string.Format(CandidateRecall, k)] = candidateRecall;
        metrics["holdoutSeconds"] = Stopwatch.GetElapsedTime(scoring).TotalSeconds;
        if (current is null)
            return new(TrainingRunState.Published, $"No current model; the first model is published (Recall@{k} {candidateRecall:F4} on the hold-out).", candidate, metrics, device);

        double currentRecall = HoldoutRecall(current, split, data, k);
        metrics[string.Format(CurrentRecall, k)] = currentRecall;
        metrics["holdoutSeconds"] = Stopwatch.GetElapsedTime(scoring).TotalSeconds;
        string comparison = $"Recall@{k} on the newest events: new {candidateRecall:F4}, current ({current.Header.Version}) {currentRecall:F4}, tolerance {options.Tolerance:F4}";
        return candidateRecall >= currentRecall - options.Tolerance
            ? new(TrainingRunState.Published, comparison + ".", candidate, metrics, device)
            : new(TrainingRunState.Rejected, comparison + ": the new model regressed; the current model stays.", candidate, metrics, device);
    }

    /// <summary>Recall@<paramref name="k"/> of a bundle on the split's held-out cases, ranking the whole catalog.</summary>
    public static double HoldoutRecall(ModelBundle bundle, EvaluationSplit split, InteractionDataset data, int k)
    {
        var recommender = new BundleRecommender(new TwoTowerModel(bundle), split.Catalog, data.Items, data.Users);
        var (summary, _) = Evaluator.ScoreCases(recommender, split.Test, split.Catalog.Count, new EvaluationOptions { Ks = [k], CurveLength = k, Threads = Training.Torch.TorchThreads.Current?.IntraOp });
        return summary.At(k)?.Recall ?? 0;
    }

    /// <summary>The events with each item replaced by one drawn uniformly from the catalog (a model trained on them learns nothing).</summary>
    private static List<Interaction> RandomLabels(IReadOnlyList<Interaction> events, IReadOnlyList<string> catalog, long seed)
    {
        var random = new Random(unchecked((int)seed) ^ 0x5eed);
        var shuffled = new List<Interaction>(events.Count);
        foreach (var e in events) shuffled.Add(e with { ItemId = catalog[random.Next(catalog.Count)] });
        return shuffled;
    }
}
