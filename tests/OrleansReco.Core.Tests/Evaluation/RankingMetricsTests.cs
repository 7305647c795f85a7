using OrleansReco.Core.Evaluation;

namespace OrleansReco.Core.Tests.Evaluation;

public sealed class RankingMetricsTests
{
    private static readonly int[] Ranked = [5, 3, 7, 1];

    [Fact]
    public void Metrics_TargetAtRankOne_AreAllOne()
    {
        Assert.Equal(1.0, RankingMetrics.Recall(Ranked, [5], 1));
        Assert.Equal(1.0, RankingMetrics.Ndcg(Ranked, [5], 1));
        Assert.Equal(1.0, RankingMetrics.HitRate(Ranked, [5], 1));
        Assert.Equal(1.0, RankingMetrics.ReciprocalRank(Ranked, [5]));
    }

    [Fact]
    public void Metrics_TargetAtRankTwo_MatchHandComputation()
    {
        Assert.Equal(0.0, RankingMetrics.Recall(Ranked, [3], 1));
        Assert.Equal(1.0, RankingMetrics.Recall(Ranked, [3], 2));
        Assert.Equal(1 / Math.Log2(3), RankingMetrics.Ndcg(Ranked, [3], 2), 12);
        Assert.Equal(0.5, RankingMetrics.ReciprocalRank(Ranked, [3]));
    }

    [Fact]
    public void Metrics_TargetAtRankK_CountAsHit()
    {
        Assert.Equal(1.0, RankingMetrics.Recall(Ranked, [7], 3));
        Assert.Equal(1.0, RankingMetrics.HitRate(Ranked, [7], 3));
        Assert.Equal(0.5, RankingMetrics.Ndcg(Ranked, [7], 3), 12); // 1/log2(4)
    }

    [Fact]
    public void Metrics_TargetBeyondK_AreZeroButReciprocalRankIsNot()
    {
        Assert.Equal(0.0, RankingMetrics.Recall(Ranked, [1], 3));
        Assert.Equal(0.0, RankingMetrics.Ndcg(Ranked, [1], 3));
        Assert.Equal(0.0, RankingMetrics.HitRate(Ranked, [1], 3));
        Assert.Equal(0.25, RankingMetrics.ReciprocalRank(Ranked, [1]));
        Assert.Equal(0.0, RankingMetrics.ReciprocalRank(Ranked, [42]));
    }

    [Fact]
    public void Metrics_TwoRelevant_UseIdealDcgOfTwo()
    {
        Assert.Equal(0.5, RankingMetrics.Recall(Ranked, [5, 1], 3));
        double expected = (1 + 1 / Math.Log2(5)) / (1 + 1 / Math.Log2(3));
        Assert.Equal(expected, RankingMetrics.Ndcg(Ranked, [5, 1], 4), 12);
    }

    [Fact]
    public void Metrics_NoRelevantItems_AreZero()
    {
        Assert.Equal(0.0, RankingMetrics.Recall(Ranked, [], 10));
        Assert.Equal(0.0, RankingMetrics.Ndcg(Ranked, [], 10));
        Assert.Equal(0.0, RankingMetrics.HitRate([], [3], 10));
    }

    [Fact]
    public void Coverage_CountsDistinctItemsInTopK()
    {
        int[][] lists = [[0, 1], [1, 2]];
        Assert.Equal(0.75, RankingMetrics.Coverage(lists, 4, 2));
        Assert.Equal(0.5, RankingMetrics.Coverage(lists, 4, 1));
    }

    [Fact]
    public void TopK_SkipsExcluded_AndBreaksTiesByLowerIndex()
    {
        float[] scores = [0.1f, 0.9f, 0.5f, 0.9f, 0.3f];
        var top = new int[3];
        Assert.Equal(3, RankingMetrics.TopK(scores, [], top));
        Assert.Equal([1, 3, 2], top);
        Assert.Equal(3, RankingMetrics.TopK(scores, [3], top));
        Assert.Equal([1, 2, 4], top);
    }

    [Fact]
    public void TopK_CatalogSmallerThanK_ReturnsEligibleCount()
    {
        var top = new int[5];
        Assert.Equal(2, RankingMetrics.TopK([1f, 2f, 3f], [1], top));
        Assert.Equal([2, 0], top[..2]);
    }

    [Fact]
    public void RankOf_AgreesWithTopK_OnRandomScoresWithTies()
    {
        var random = new Random(11);
        for (int trial = 0; trial < 50; trial++)
        {
            var scores = Enumerable.Range(0, 200).Select(_ => (float)random.Next(20)).ToArray();
            int[] excluded = [.. Enumerable.Range(0, 200).Where(_ => random.NextDouble() < 0.2)];
            var top = new int[200];
            int n = RankingMetrics.TopK(scores, excluded, top);
            Assert.Equal(200 - excluded.Length, n);
            for (int r = 0; r < n; r++)
                Assert.Equal(r + 1, RankingMetrics.RankOf(scores, top[r], excluded));
        }
    }

    [Fact]
    public void Accumulator_MatchesHandComputation()
    {
        var acc = new MetricAccumulator([10], catalogSize: 20, curveLength: 20);
        acc.Add([2], [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
        acc.Add([15], [0, 1, 2, 3, 4, 5, 6, 7, 8, 10]);
        acc.Add([], [19]); // no relevant item: ignored
        var summary = acc.Summary();
        var at10 = summary.At(10)!;
        Assert.Equal(2, summary.Users);
        Assert.Equal(0.5, at10.Recall, 12);
        Assert.Equal(0.5, at10.HitRate, 12);
        Assert.Equal(1 / Math.Log2(3) / 2, at10.Ndcg, 12);
        Assert.Equal(11.0 / 20, at10.Coverage, 12);
        Assert.Equal((0.5 + 1.0 / 15) / 2, summary.Mrr, 12);
        Assert.Equal(0.0, summary.RecallCurve[0]);
        Assert.Equal(0.5, summary.RecallCurve[1]);
        Assert.Equal(1.0, summary.RecallCurve[14]);
    }

    [Fact]
    public void Accumulator_Merge_EqualsSingleAccumulator()
    {
        var random = new Random(3);
        var whole = new MetricAccumulator([5, 10], 50);
        var a = new MetricAccumulator([5, 10], 50);
        var b = new MetricAccumulator([5, 10], 50);
        for (int u = 0; u < 40; u++)
        {
            int[] ranks = [random.Next(1, 60), random.Next(1, 60)];
            int[] top = [.. Enumerable.Range(0, 10).Select(_ => random.Next(50))];
            whole.Add(ranks, top);
            (u % 2 == 0 ? a : b).Add(ranks, top);
        }
        a.Merge(b);
        Assert.Equal(whole.Summary().ByK, a.Summary().ByK, (x, y) => Math.Abs(x.Recall - y.Recall) < 1e-12 && Math.Abs(x.Ndcg - y.Ndcg) < 1e-12 && x.Coverage == y.Coverage);
        Assert.Equal(whole.Summary().Mrr, a.Summary().Mrr, 12);
    }
}
