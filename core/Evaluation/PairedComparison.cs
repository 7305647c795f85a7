namespace OrleansReco.Core.Evaluation;

/// <summary>
/// A model against a baseline on the same test users: the mean of the per-user differences in Recall@K, its
/// standard error and a normal 95 % interval, and how many users each model served better. A gain whose interval
/// stays above zero is more than the noise of which users happened to be held out.
/// </summary>
public sealed record PairedComparison(string Model, string Baseline, int K, int Users, double ModelRecall, double BaselineRecall,
    double MeanDifference, double StandardError, double Low95, double High95, int Better, int Same, int Worse)
{
    /// <summary>The model's mean Recall@K over the baseline's.</summary>
    public double Ratio => BaselineRecall > 0 ? ModelRecall / BaselineRecall : double.NaN;

    /// <summary>Whether the 95 % interval of the difference excludes zero.</summary>
    public bool Significant => Low95 > 0 || High95 < 0;

    /// <summary>Compares per-user recalls given in the same user order.</summary>
    /// <exception cref="ArgumentException">The lists differ in length or are empty.</exception>
    public static PairedComparison Of(string model, IReadOnlyList<double> modelRecall, string baseline, IReadOnlyList<double> baselineRecall, int k)
    {
        ArgumentNullException.ThrowIfNull(modelRecall);
        ArgumentNullException.ThrowIfNull(baselineRecall);
        if (modelRecall.Count != baselineRecall.Count)
            throw new ArgumentException($"{model} has {modelRecall.Count} users, {baseline} {baselineRecall.Count}: a paired comparison needs the same users.");
        int n = modelRecall.Count;
        if (n == 0) throw new ArgumentException("No users to compare.");
        double sumModel = 0, sumBaseline = 0, mean = 0, squares = 0;
        int better = 0, worse = 0;
        for (int i = 0; i < n; i++)
        {
            sumModel += modelRecall[i];
            sumBaseline += baselineRecall[i];
            double d = modelRecall[i] - baselineRecall[i];
            if (d > 0) better++;
            else if (d < 0) worse++;
            // Welford's running mean and sum of squared deviations.
            double delta = d - mean;
            mean += delta / (i + 1);
            squares += delta * (d - mean);
        }
        double standardError = n > 1 ? Math.Sqrt(squares / (n - 1) / n) : double.NaN;
        return new PairedComparison(model, baseline, k, n, sumModel / n, sumBaseline / n, mean, standardError,
            mean - 1.96 * standardError, mean + 1.96 * standardError, better, n - better - worse, worse);
    }
}
