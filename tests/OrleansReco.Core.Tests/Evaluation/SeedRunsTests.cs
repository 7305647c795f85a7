using OrleansReco.Core.Evaluation;
using Xunit;

namespace OrleansReco.Core.Tests.Evaluation;

public sealed class SeedRunsTests
{
    private static ModelResult Run(string name, double[] perUser, double recall20, double mrr, double[] curve, double fitSeconds) =>
        new(name,
            new MetricSummary(perUser.Length,
                [new MetricsAtK(10, perUser.Average(), perUser.Average() / 2, perUser.Average(), 0.1), new MetricsAtK(20, recall20, 0.3, recall20, 0.2)],
                mrr, curve),
            TimeSpan.FromSeconds(fitSeconds), TimeSpan.FromSeconds(1), perUser, 10);

    [Fact]
    public void Mean_AveragesMetricsAndEachUsersRecall()
    {
        var a = Run("TwoTower (seed 1)", [1, 0, 0, 1], 0.8, 0.4, [0.1, 0.2, 0.3], 10);
        var b = Run("TwoTower (seed 2)", [0, 0, 1, 1], 0.6, 0.2, [0.3, 0.4], 20);

        var mean = SeedRuns.Mean("TwoTower (mean of 2 seeds)", [a, b]);

        Assert.Equal("TwoTower (mean of 2 seeds)", mean.Model);
        Assert.Equal(4, mean.Metrics.Users);
        Assert.Equal([0.5, 0, 0.5, 1], mean.PerUserRecall!);
        Assert.Equal(10, mean.PerUserK);
        Assert.Equal(0.5, mean.Metrics.At(10)!.Recall, 12);
        Assert.Equal(0.7, mean.Metrics.At(20)!.Recall, 12);
        Assert.Equal(0.3, mean.Metrics.Mrr, 12);
        // The curve is averaged over the length every run has.
        Assert.Equal(2, mean.Metrics.RecallCurve.Count);
        Assert.Equal(0.2, mean.Metrics.RecallCurve[0], 12);
        Assert.Equal(0.3, mean.Metrics.RecallCurve[1], 12);
        Assert.Equal(15, mean.FitTime.TotalSeconds, 6);

        // The mean's paired comparison sees each user's mean recall: against a baseline hitting user 0 only,
        // differences -0.5, 0, 0.5, 1.
        var paired = PairedComparison.Of(mean.Model, mean.PerUserRecall!, "EASE", [1, 0, 0, 0], 10);
        Assert.Equal(0.25, paired.MeanDifference, 12);
        Assert.Equal((2, 1, 1), (paired.Better, paired.Same, paired.Worse));
    }

    [Fact]
    public void Mean_RunsOverOtherUsersOrOneRun_Refused()
    {
        var a = Run("A", [1, 0], 0.5, 0.1, [0.1], 1);
        var b = Run("B", [1, 0, 1], 0.5, 0.1, [0.1], 1);
        Assert.Contains("share the test users", Assert.Throws<ArgumentException>(() => SeedRuns.Mean("mean", [a, b])).Message);
        Assert.Contains("at least two runs", Assert.Throws<ArgumentException>(() => SeedRuns.Mean("mean", [a])).Message);
    }

    [Fact]
    public void Spread_RecallPerSeedWithSampleStandardDeviation()
    {
        var runs = new[]
        {
            Run("s1", [1, 0, 0, 0], 0.2, 0.1, [0.1], 1),
            Run("s2", [1, 1, 0, 0], 0.4, 0.1, [0.1], 1),
            Run("s3", [1, 1, 1, 0], 0.6, 0.1, [0.1], 1),
        };
        var spread = SeedRuns.Spread("TwoTower", [42, 7, 13], runs, [10, 20]);

        Assert.Equal(2, spread.Count);
        var at10 = spread[0];
        Assert.Equal(10, at10.K);
        Assert.Equal([42L, 7, 13], at10.Seeds);
        Assert.Equal([0.25, 0.5, 0.75], at10.Recalls);
        Assert.Equal(0.5, at10.Mean, 12);
        Assert.Equal(0.25, at10.StandardDeviation, 12); // deviations ±0.25 and 0 over n - 1 = 2
        Assert.Equal((0.25, 0.75), (at10.Min, at10.Max));
        Assert.Equal([0.2, 0.4, 0.6], spread[1].Recalls);
        Assert.Throws<ArgumentException>(() => SeedRuns.Spread("TwoTower", [1, 2], runs, [10]));
    }
}

public sealed class ScoreMeanTests
{
    private sealed class Fixed(params float[] scores) : IRecommender
    {
        public string Name => "Fixed";
        public void Fit(OrleansReco.Core.Data.InteractionDataset train, IReadOnlyList<string> catalog) { }
        public void Score(string userId, IReadOnlyList<OrleansReco.Core.Data.Interaction> history, Span<float> destination) => scores.CopyTo(destination);
    }

    [Fact]
    public void Score_IsTheMeanOfTheMembersScores()
    {
        var ensemble = new ScoreMean("TwoTower (ensemble of 3 seeds)", [new Fixed(1, 0, -1), new Fixed(0, 3, 1), new Fixed(2, 0, 3)]);
        var scores = new float[3];

        ensemble.Score("u1", [], scores);

        Assert.Equal("TwoTower (ensemble of 3 seeds)", ensemble.Name);
        Assert.Equal([1f, 1f, 1f], scores);
    }

    [Fact]
    public void Score_RanksByTheMean_NotByAnyOneMember()
    {
        // Item 2 is no member's best, but the best on average.
        var ensemble = new ScoreMean("ensemble", [new Fixed(0.9f, 0f, 0.8f), new Fixed(0f, 0.9f, 0.8f)]);
        var scores = new float[3];
        ensemble.Score("u1", [], scores);
        Assert.Equal(2, Array.IndexOf(scores, scores.Max()));
    }

    [Fact]
    public void New_WithFewerThanTwoMembers_IsRefused()
    {
        var error = Assert.Throws<ArgumentException>(() => new ScoreMean("ensemble", [new Fixed(1f)]));
        Assert.Contains("at least two models", error.Message);
    }
}
