using OrleansReco.Core.Evaluation;
using Xunit;

namespace OrleansReco.Core.Tests.Evaluation;

public sealed class PairedComparisonTests
{
    [Fact]
    public void Of_KnownDifferences_MeanStandardErrorAndCounts()
    {
        double[] model = [1, 0.5, 0, 1];
        double[] baseline = [0, 0.5, 1, 0];
        var c = PairedComparison.Of("TwoTower", model, "EASE", baseline, 10);

        // Differences 1, 0, -1, 1: mean 0.25, sample variance 0.91667, SE = sqrt(0.91667 / 4).
        Assert.Equal(0.25, c.MeanDifference, 12);
        Assert.Equal(Math.Sqrt(11.0 / 12 / 4), c.StandardError, 12);
        Assert.Equal((2, 1, 1), (c.Better, c.Same, c.Worse));
        Assert.Equal(0.625 / 0.375, c.Ratio, 12);
        Assert.False(c.Significant);
    }

    [Fact]
    public void Of_ConsistentGainOverManyUsers_IsSignificant()
    {
        var random = new Random(1);
        var baseline = Enumerable.Range(0, 500).Select(_ => random.NextDouble() * 0.5).ToArray();
        var model = baseline.Select(b => b + 0.1 + (random.NextDouble() - 0.5) * 0.05).ToArray();
        var c = PairedComparison.Of("TwoTower", model, "EASE", baseline, 10);

        Assert.True(c.Significant);
        Assert.InRange(c.MeanDifference, 0.09, 0.11);
        Assert.True(c.Low95 > 0);
    }

    [Fact]
    public void Of_DifferentUsers_Refused()
    {
        var error = Assert.Throws<ArgumentException>(() => PairedComparison.Of("A", [1, 0], "EASE", [1], 10));
        Assert.Contains("same users", error.Message);
    }
}
