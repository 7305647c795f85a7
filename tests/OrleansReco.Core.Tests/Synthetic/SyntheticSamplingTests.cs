using OrleansReco.Core.Data.Synthetic;

namespace OrleansReco.Core.Tests.Synthetic;

public sealed class SyntheticSamplingTests
{
    [Fact]
    public void AliasTable_Sample_FollowsWeights()
    {
        double[] weights = [5, 0, 1, 3, 1];
        var table = new AliasTable(weights);
        var random = new SyntheticRandom(17);
        var counts = new int[weights.Length];
        const int draws = 200_000;
        for (int i = 0; i < draws; i++) counts[table.Sample(ref random)]++;
        for (int i = 0; i < weights.Length; i++)
        {
            double expected = weights[i] / weights.Sum();
            Assert.Equal(expected, table.Probabilities[i], 12);
            Assert.InRange((double)counts[i] / draws, expected - 0.005, expected + 0.005);
        }
        Assert.Equal(0, counts[1]);
    }

    [Theory]
    [InlineData(new double[0])]
    [InlineData(new double[] { 0, 0 })]
    [InlineData(new double[] { 1, -1 })]
    [InlineData(new double[] { 1, double.NaN })]
    [InlineData(new double[] { 1, double.PositiveInfinity })]
    public void AliasTable_ThrowsForInvalidWeights(double[] weights)
    {
        Assert.Throws<ArgumentException>(() => new AliasTable(weights));
    }

    [Fact]
    public void SyntheticRandom_SameStream_RepeatsAndStreamsDiffer()
    {
        var a = SyntheticRandom.For(1, 2, 3);
        var b = SyntheticRandom.For(1, 2, 3);
        var c = SyntheticRandom.For(1, 2, 4);
        var first = Enumerable.Range(0, 8).Select(_ => a.NextUInt64()).ToArray();
        Assert.Equal(first, Enumerable.Range(0, 8).Select(_ => b.NextUInt64()));
        Assert.NotEqual(first, Enumerable.Range(0, 8).Select(_ => c.NextUInt64()));
    }

    [Fact]
    public void SyntheticRandom_NextIntAndGaussian_HaveExpectedMoments()
    {
        var random = new SyntheticRandom(99);
        var counts = new int[7];
        double sum = 0, squares = 0;
        const int n = 100_000;
        for (int i = 0; i < n; i++)
        {
            counts[random.NextInt(7)]++;
            double g = random.NextGaussian();
            sum += g;
            squares += g * g;
        }
        Assert.All(counts, c => Assert.InRange(c, n / 7 * 0.95, n / 7 * 1.05));
        Assert.InRange(sum / n, -0.02, 0.02);
        Assert.InRange(squares / n, 0.97, 1.03);
    }

    [Fact]
    public void Budgets_SumToEventsAndRespectMinimum_WithHeavyTail()
    {
        var options = SyntheticOptions.Default with { Users = 2_000, Events = 100_003, MinEventsPerUser = 7 };
        var budgets = SyntheticSessions.Budgets(options);
        Assert.Equal(100_003, budgets.Sum());
        Assert.True(budgets.Min() >= 7);
        var sorted = budgets.Order().ToArray();
        Assert.True(sorted[^1] > 5 * sorted[sorted.Length / 2], $"max {sorted[^1]}, median {sorted[sorted.Length / 2]}");
    }
}
