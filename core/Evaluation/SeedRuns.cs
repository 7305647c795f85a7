namespace OrleansReco.Core.Evaluation;

/// <summary>Recall@K of one model trained once per seed: each seed's figure and their spread.</summary>
public sealed record SeedSpread(string Model, int K, IReadOnlyList<long> Seeds, IReadOnlyList<double> Recalls)
{
    public double Mean => Recalls.Average();

    /// <summary>Sample standard deviation over the seeds (NaN for one seed).</summary>
    public double StandardDeviation
    {
        get
        {
            if (Recalls.Count < 2) return double.NaN;
            double mean = Mean, squares = 0;
            foreach (double r in Recalls) squares += (r - mean) * (r - mean);
            return Math.Sqrt(squares / (Recalls.Count - 1));
        }
    }

    public double Min => Recalls.Min();
    public double Max => Recalls.Max();
}

/// <summary>
/// A model whose training is random, evaluated once per training seed on the same split. One run's Recall@K moves
/// with the seed by about as much as with the choice of test users, so a comparison of single runs can mistake a
/// lucky seed for a better model: the runs' mean, user by user, is what a paired comparison should see.
/// </summary>
public static class SeedRuns
{
    /// <summary>The name of a run trained with <paramref name="seed"/>.</summary>
    public static string RunName(string model, long seed) => $"{model} (seed {seed})";

    /// <summary>The name of the mean of <paramref name="seeds"/> runs.</summary>
    public static string MeanName(string model, int seeds) => $"{model} (mean of {seeds} seeds)";

    /// <summary>The name of the ensemble of <paramref name="seeds"/> runs (<see cref="ScoreMean"/>).</summary>
    public static string EnsembleName(string model, int seeds) => $"{model} (ensemble of {seeds} seeds)";

    /// <summary>
    /// The mean of <paramref name="runs"/> (the same model, one per seed, on the same test users): every metric and the
    /// recall curve averaged over the runs, and each user's Recall@K averaged over them; fit and score times are the
    /// runs' mean.
    /// </summary>
    /// <exception cref="ArgumentException">Fewer than two runs, or runs over different users or cut-offs.</exception>
    public static ModelResult Mean(string model, IReadOnlyList<ModelResult> runs)
    {
        ArgumentNullException.ThrowIfNull(runs);
        if (runs.Count < 2) throw new ArgumentException($"A mean over seeds needs at least two runs, not {runs.Count}.", nameof(runs));
        var first = runs[0];
        foreach (var run in runs)
        {
            if (run.Metrics.Users != first.Metrics.Users)
                throw new ArgumentException($"{run.Model} was scored on {run.Metrics.Users} users, {first.Model} on {first.Metrics.Users}: runs to average must share the test users.", nameof(runs));
            if (!run.Metrics.ByK.Select(m => m.K).SequenceEqual(first.Metrics.ByK.Select(m => m.K)))
                throw new ArgumentException($"{run.Model} and {first.Model} were measured at different cut-offs.", nameof(runs));
        }
        int n = runs.Count;
        var byK = first.Metrics.ByK.Select((m, i) => new MetricsAtK(m.K,
            runs.Average(r => r.Metrics.ByK[i].Recall), runs.Average(r => r.Metrics.ByK[i].Ndcg),
            runs.Average(r => r.Metrics.ByK[i].HitRate), runs.Average(r => r.Metrics.ByK[i].Coverage))).ToArray();
        int curve = runs.Min(r => r.Metrics.RecallCurve.Count);
        var recallCurve = new double[curve];
        foreach (var run in runs)
            for (int i = 0; i < curve; i++) recallCurve[i] += run.Metrics.RecallCurve[i] / n;
        var summary = new MetricSummary(first.Metrics.Users, byK, runs.Average(r => r.Metrics.Mrr), recallCurve);

        double[]? perUser = null;
        if (runs.All(r => r.PerUserRecall is not null && r.PerUserK == first.PerUserK && r.PerUserRecall.Count == first.PerUserRecall!.Count))
        {
            perUser = new double[first.PerUserRecall!.Count];
            foreach (var run in runs)
                for (int u = 0; u < perUser.Length; u++) perUser[u] += run.PerUserRecall![u] / n;
        }
        return new ModelResult(model, summary,
            TimeSpan.FromTicks((long)runs.Average(r => r.FitTime.Ticks)), TimeSpan.FromTicks((long)runs.Average(r => r.ScoreTime.Ticks)),
            perUser, perUser is null ? 0 : first.PerUserK);
    }

    /// <summary>Recall at each of <paramref name="ks"/> of every run (run i trained with <paramref name="seeds"/>[i]).</summary>
    /// <exception cref="ArgumentException">The seeds and runs differ in number.</exception>
    public static IReadOnlyList<SeedSpread> Spread(string model, IReadOnlyList<long> seeds, IReadOnlyList<ModelResult> runs, IReadOnlyList<int> ks)
    {
        ArgumentNullException.ThrowIfNull(seeds);
        ArgumentNullException.ThrowIfNull(runs);
        ArgumentNullException.ThrowIfNull(ks);
        if (seeds.Count != runs.Count) throw new ArgumentException($"{seeds.Count} seeds for {runs.Count} runs.", nameof(seeds));
        return [.. ks.Select(k => new SeedSpread(model, k, seeds, runs.Select(r => r.Metrics.At(k)?.Recall ?? double.NaN).ToArray()))];
    }
}
