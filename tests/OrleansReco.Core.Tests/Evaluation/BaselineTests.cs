using OrleansReco.Core.Data;
using OrleansReco.Core.Evaluation;
using OrleansReco.Core.Evaluation.Baselines;

namespace OrleansReco.Core.Tests.Evaluation;

public sealed class BaselineTests
{
    private static Interaction E(string user, string item, long t = 0) => new(user, item, EventTypes.Purchase, 1f, t);

    private static InteractionDataset Data(params Interaction[] events) => new(events, null, null);

    [Fact]
    public void SymmetricInverse_MatchesGaussJordan_ForRandomSpdMatrices()
    {
        foreach (int n in new[] { 1, 7, 40, 300 })
        {
            var random = new Random(n);
            // A = RᵀR + n I is symmetric positive definite.
            var r = new double[n * n];
            for (int i = 0; i < r.Length; i++) r[i] = random.NextDouble() - 0.5;
            var a = new double[n * n];
            for (int i = 0; i < n; i++)
                for (int j = 0; j < n; j++)
                {
                    double s = i == j ? n : 0;
                    for (int k = 0; k < n; k++) s += r[k * n + i] * r[k * n + j];
                    a[i * n + j] = s;
                }
            var expected = GaussJordanInverse(a, n);
            var actual = Ease.SymmetricInverse((double[])a.Clone(), n);
            for (int i = 0; i < n * n; i++) Assert.Equal(expected[i], actual[i], 1e-10);
        }
    }

    [Fact]
    public void SymmetricInverse_ThrowsForIndefiniteMatrix()
    {
        Assert.Throws<ArgumentException>(() => Ease.SymmetricInverse([1, 2, 2, 1], 2));
    }

    [Fact]
    public void Ease_TinyMatrix_MatchesClosedForm()
    {
        // X (users × items): u0 = {0,1}, u1 = {0,1,2}, u2 = {1,2}, u3 = {2,3}.
        var data = Data(E("u0", "a"), E("u0", "b"), E("u1", "a"), E("u1", "b"), E("u1", "c"), E("u2", "b"), E("u2", "c"), E("u3", "c"), E("u3", "d"));
        string[] catalog = ["a", "b", "c", "d"];
        int[][] x = [[1, 1, 0, 0], [1, 1, 1, 0], [0, 1, 1, 0], [0, 0, 1, 1]];
        const double lambda = 2;
        int n = 4;
        var g = new double[n * n];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++)
                g[i * n + j] = x.Sum(row => row[i] * row[j]) + (i == j ? lambda : 0);
        var p = GaussJordanInverse(g, n);
        var ease = new Ease(lambda);
        ease.Fit(data, catalog);
        // History {a, c} (with a repeat of a, which must not count twice): scores = B[a,:] + B[c,:].
        var scores = new float[n];
        ease.Score("u9", [E("u9", "a"), E("u9", "c"), E("u9", "a")], scores);
        for (int j = 0; j < n; j++)
        {
            double expected = 0;
            foreach (int h in new[] { 0, 2 })
                expected += h == j ? 0 : -p[h * n + j] / p[j * n + j];
            Assert.Equal(expected, scores[j], 5);
        }
    }

    [Fact]
    public void ItemKnn_CraftedData_RanksCoOccurringItemFirst_WithCosine()
    {
        // a and b always together (3 users); c with d (2 users); b also with c once.
        var data = Data(E("u0", "a"), E("u0", "b"), E("u1", "a"), E("u1", "b"), E("u2", "a"), E("u2", "b"), E("u2", "c"),
            E("u3", "c"), E("u3", "d"), E("u4", "c"), E("u4", "d"));
        var knn = new ItemKnn(neighbours: 2);
        knn.Fit(data, ["a", "b", "c", "d"]);
        var scores = new float[4];
        knn.Score("new", [E("new", "a")], scores);
        Assert.Equal(1f, scores[1], 5);                              // cos(a,b) = 3 / sqrt(3·3)
        Assert.Equal(1f / MathF.Sqrt(3 * 3), scores[2], 5);          // cos(a,c) = 1 / sqrt(3·3)
        Assert.Equal(0f, scores[3]);
        knn.Score("new", [E("new", "d")], scores);
        Assert.True(scores[2] > scores[0] && scores[2] > scores[1]);
        knn.Score("new", [], scores);
        Assert.All(scores, s => Assert.Equal(0f, s));
    }

    [Fact]
    public void MostPopular_RanksByDistinctUsers_IgnoringHistoryAndRepeats()
    {
        var data = Data(E("u0", "a"), E("u0", "a"), E("u0", "a"), E("u1", "b"), E("u2", "b"), E("u3", "c"), E("u4", "c"), E("u5", "c"));
        var pop = new MostPopular();
        pop.Fit(data, ["a", "b", "c"]);
        var scores = new float[3];
        pop.Score("u0", [], scores);
        Assert.Equal([1f, 2f, 3f], scores);
    }

    [Fact]
    public void Ease_BeatsMostPopular_OnPlantedTastes()
    {
        var events = PlantedData.Generate(users: 300, items: 300, events: 9000, topics: 10, seed: 21);
        var split = Splits.LeaveLastOut(new InteractionDataset(events, null, null));
        var options = new EvaluationOptions { Ks = [10] };
        var pop = Evaluator.Evaluate(new MostPopular(), split, options);
        var ease = Evaluator.Evaluate(new Ease(lambda: 50), split, options);
        var knn = Evaluator.Evaluate(new ItemKnn(), split, options);
        Assert.True(ease.Metrics.At(10)!.Recall > pop.Metrics.At(10)!.Recall * 1.2, $"EASE {ease.Metrics.At(10)!.Recall:F3} vs MostPop {pop.Metrics.At(10)!.Recall:F3}");
        Assert.True(knn.Metrics.At(10)!.Recall > pop.Metrics.At(10)!.Recall, $"ItemKNN {knn.Metrics.At(10)!.Recall:F3} vs MostPop {pop.Metrics.At(10)!.Recall:F3}");
        Assert.Equal(300, ease.Metrics.Users);
    }

    private static double[] GaussJordanInverse(double[] source, int n)
    {
        var a = (double[])source.Clone();
        var inv = new double[n * n];
        for (int i = 0; i < n; i++) inv[i * n + i] = 1;
        for (int col = 0; col < n; col++)
        {
            int pivot = col;
            for (int r = col + 1; r < n; r++)
                if (Math.Abs(a[r * n + col]) > Math.Abs(a[pivot * n + col])) pivot = r;
            for (int c = 0; c < n; c++)
            {
                (a[col * n + c], a[pivot * n + c]) = (a[pivot * n + c], a[col * n + c]);
                (inv[col * n + c], inv[pivot * n + c]) = (inv[pivot * n + c], inv[col * n + c]);
            }
            double d = a[col * n + col];
            for (int c = 0; c < n; c++) { a[col * n + c] /= d; inv[col * n + c] /= d; }
            for (int r = 0; r < n; r++)
            {
                if (r == col) continue;
                double f = a[r * n + col];
                if (f == 0) continue;
                for (int c = 0; c < n; c++) { a[r * n + c] -= f * a[col * n + c]; inv[r * n + c] -= f * inv[col * n + c]; }
            }
        }
        return inv;
    }
}
