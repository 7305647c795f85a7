namespace OrleansReco.Training.TwoTower;

public sealed partial class TwoTowerTrainer
{
    /// <summary>
    /// Share of the peak learning rate that the cosine decay ends on: training keeps moving a little in its last
    /// epochs instead of freezing, as in the usual warm-up and cosine schedules.
    /// </summary>
    internal const double FinalLearningRateFraction = 0.1;

    /// <summary>
    /// The learning rate at <paramref name="step"/> (0-based) of <paramref name="total"/>: a linear rise to
    /// <paramref name="peak"/> over the first <paramref name="warmup"/> steps, then cosine decay to <see cref="FinalLearningRateFraction"/> of it.
    /// </summary>
    internal static double LearningRateAt(double peak, long step, long warmup, long total)
    {
        double lr = peak;
        if (step < warmup) return lr * (step + 1) / warmup;
        double progress = (double)(step - warmup) / Math.Max(1, total - warmup);
        return lr * (FinalLearningRateFraction + (1 - FinalLearningRateFraction) * 0.5 * (1 + Math.Cos(Math.PI * Math.Min(progress, 1))));
    }
}
