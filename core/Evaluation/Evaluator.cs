using System.Diagnostics;
using OrleansReco.Core.Runtime;

namespace OrleansReco.Core.Evaluation;

/// <summary>How <see cref="Evaluator"/> ranks and measures.</summary>
public sealed record EvaluationOptions
{
    /// <summary>Cut-offs reported in the table.</summary>
    public IReadOnlyList<int> Ks { get; init; } = [10, 20];

    /// <summary>Largest K of the Recall@K curve in the report's figure.</summary>
    public int CurveLength { get; init; } = 100;

    /// <summary>Worker threads scoring users; null = all cores. Models must score concurrently when above 1.</summary>
    public int? Threads { get; init; }

    /// <summary>Score the validation cases instead of the test cases (for tuning).</summary>
    public bool OnValidation { get; init; }
}

/// <summary>
/// One model's result on one split: metrics, how long fitting and scoring took, and each test user's Recall@K at the
/// first cut-off (<see cref="PerUserK"/>; in the split's test-case order) for paired comparisons.
/// </summary>
public sealed record ModelResult(string Model, MetricSummary Metrics, TimeSpan FitTime, TimeSpan ScoreTime,
    IReadOnlyList<double>? PerUserRecall = null, int PerUserK = 0)
{
    /// <summary>Scoring throughput, users per second of wall-clock time.</summary>
    public double UsersPerSecond => ScoreTime.TotalSeconds > 0 ? Metrics.Users / ScoreTime.TotalSeconds : 0;
}

/// <summary>
/// Fits a model on a split's training part and ranks the full catalog for every held-out user, excluding the
/// user's seen items. Users are scored in parallel, each worker with its own score buffer and accumulator.
/// </summary>
public static class Evaluator
{
    /// <summary>Fits <paramref name="model"/> then scores it; progress lines go to <paramref name="log"/>.</summary>
    public static ModelResult Evaluate(IRecommender model, EvaluationSplit split, EvaluationOptions? options = null, Action<string>? log = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(split);
        log?.Invoke($"{model.Name}: fitting on {split.Train.Interactions.Count:N0} events, {split.Catalog.Count:N0} items...");
        var clock = Stopwatch.StartNew();
        model.Fit(split.Train, split.Catalog);
        var fitTime = clock.Elapsed;
        log?.Invoke($"{model.Name}: fitted in {fitTime.TotalSeconds:F2} s");
        options ??= new EvaluationOptions();
        var cases = options.OnValidation ? split.Validation : split.Test;
        var perUser = new double[cases.Count];
        var (metrics, scoreTime) = ScoreCases(model, cases, split.Catalog.Count, options, log, perUser);
        log?.Invoke($"{model.Name}: scored {metrics.Users:N0} users in {scoreTime.TotalSeconds:F2} s");
        return new ModelResult(model.Name, metrics, fitTime, scoreTime, perUser, options.Ks[0]);
    }

    /// <summary>Scores an already fitted model (e.g. the training loop's early stopping on validation cases).</summary>
    public static (MetricSummary Metrics, TimeSpan Elapsed) Score(IRecommender model, EvaluationSplit split, EvaluationOptions options, Action<string>? log = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        var cases = options.OnValidation ? split.Validation : split.Test;
        return ScoreCases(model, cases, split.Catalog.Count, options, log);
    }

    /// <summary>
    /// Scores <paramref name="cases"/> with a fitted model over a catalog of <paramref name="catalogSize"/> items;
    /// <paramref name="perCaseRecall"/>, when given (one slot per case), receives each case's Recall@K at the first cut-off.
    /// </summary>
    public static (MetricSummary Metrics, TimeSpan Elapsed) ScoreCases(IRecommender model, IReadOnlyList<EvaluationCase> cases, int catalogSize, EvaluationOptions options,
        Action<string>? log = null, double[]? perCaseRecall = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(cases);
        ArgumentNullException.ThrowIfNull(options);
        if (perCaseRecall is not null && perCaseRecall.Length != cases.Count)
            throw new ArgumentException($"One slot per case is needed ({cases.Count}), not {perCaseRecall.Length}.", nameof(perCaseRecall));
        int firstK = options.Ks[0];
        var total = new MetricAccumulator(options.Ks, catalogSize, options.CurveLength);
        int topLength = Math.Min(total.MaxK, catalogSize);
        int done = 0, reportEvery = Math.Max(1, cases.Count / 10);
        var gate = new object();
        var clock = Stopwatch.StartNew();
        Parallel.For(0, cases.Count, LowPriority.LoopOptions(options.Threads),
            () => new Worker(new float[catalogSize], new int[topLength], new MetricAccumulator(options.Ks, catalogSize, options.CurveLength)),
            (i, _, worker) =>
            {
                var c = cases[i];
                model.Score(c.UserId, c.History, worker.Scores);
                int shown = RankingMetrics.TopK(worker.Scores, c.Seen, worker.Top);
                Span<int> ranks = c.Targets.Length <= 256 ? stackalloc int[c.Targets.Length] : new int[c.Targets.Length];
                for (int t = 0; t < c.Targets.Length; t++)
                    ranks[t] = RankingMetrics.RankOf(worker.Scores, c.Targets[t], c.Seen);
                worker.Metrics.Add(ranks, worker.Top.AsSpan(0, shown));
                if (perCaseRecall is not null && ranks.Length > 0)
                {
                    int hits = 0;
                    foreach (int r in ranks) hits += r <= firstK ? 1 : 0;
                    perCaseRecall[i] = (double)hits / ranks.Length;
                }
                int now = Interlocked.Increment(ref done);
                if (log is not null && (now % reportEvery == 0 || now == cases.Count))
                    log($"{model.Name}: {now:N0}/{cases.Count:N0} users scored");
                return worker;
            },
            worker =>
            {
                lock (gate) total.Merge(worker.Metrics);
            });
        return (total.Summary(), clock.Elapsed);
    }

    private sealed record Worker(float[] Scores, int[] Top, MetricAccumulator Metrics);
}
