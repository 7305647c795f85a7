using OrleansReco.Core.Data;
using OrleansReco.Core.Model;

namespace OrleansReco.LocalCluster;

/// <summary>
/// A small valid model bundle with seeded random weights (no training, no libtorch), for the harness, the
/// benchmarks and the tests: dimension 16 unless asked, item features <c>category</c> (categorical) and
/// <c>price</c> (numeric), user feature <c>age_group</c>. Enough for the mechanics: the user embedding depends on
/// profile and history, the item embedding on id and features; nothing here depends on model quality. With
/// <see cref="HistoryAggregation.Attention"/> the user tower is the attention encoder (default shape) instead of the mean.
/// </summary>
public static class SmallModel
{
    public const int Dimension = 16;
    public static readonly string[] Categories = ["a", "b", "c"];
    public static readonly string[] AgeGroups = ["18-25", "26-40", "41+"];

    /// <summary>A bundle named <paramref name="version"/> whose weights come from <paramref name="seed"/>.</summary>
    public static ModelBundle Create(string version, int seed, int dimension = Dimension,
        HistoryAggregation aggregation = HistoryAggregation.Mean, int historyLength = 20)
    {
        var random = new Random(seed);
        const int buckets = 512, hidden = 24, bag = 4;
        var item = new TowerSpec
        {
            Features =
            [
                new FeatureSpec { Name = "category", Kind = FeatureKind.Categorical, Vocabulary = Categories, EmbeddingDim = bag },
                new FeatureSpec { Name = "price", Kind = FeatureKind.Numeric, Mean = 10f, Std = 5f },
            ],
            Hidden = [hidden],
        };
        var user = new TowerSpec
        {
            Features = [new FeatureSpec { Name = "age_group", Kind = FeatureKind.Categorical, Vocabulary = AgeGroups, EmbeddingDim = bag }],
            Hidden = [hidden],
        };
        var header = new BundleHeader
        {
            Version = version,
            CreatedAt = DateTimeOffset.UnixEpoch,
            Dimension = dimension,
            IdBuckets = buckets,
            IdHashSeed = 7,
            History = new HistoryWeighting { Length = historyLength, HalfLifeSeconds = 0 },
            Item = item,
            User = user,
            Aggregation = aggregation,
            Attention = aggregation == HistoryAggregation.Attention ? new AttentionSpec() : null,
        };
        var tensors = new List<BundleTensor> { Random(random, TwoTowerModel.TensorNames.ItemIds, buckets, dimension) };
        AddTower(random, "item", item, dimension, tensors);
        AddTower(random, "user", user, dimension, tensors);
        foreach (var (name, shape) in header.Attention?.Tensors(dimension, historyLength) ?? []) tensors.Add(Random(random, name, shape));
        return new ModelBundle(header, tensors);
    }

    /// <summary>Writes a bundle to a fresh temporary file and returns its path.</summary>
    public static string Write(string version, int seed, HistoryAggregation aggregation = HistoryAggregation.Mean)
    {
        string path = Path.Combine(Path.GetTempPath(), $"reco-{version}-{Guid.NewGuid():N}.bundle");
        Create(version, seed, aggregation: aggregation).Write(path);
        return path;
    }

    private static void AddTower(Random random, string name, TowerSpec spec, int dimension, List<BundleTensor> tensors)
    {
        foreach (var f in spec.Features.Where(f => f.IsBag))
            tensors.Add(Random(random, TwoTowerModel.TensorNames.Feature(name, f.Name), f.TableRows, f.EmbeddingDim));
        int[] widths = [spec.InputWidth(dimension), .. spec.Hidden, dimension];
        for (int k = 0; k + 1 < widths.Length; k++)
        {
            tensors.Add(Random(random, TwoTowerModel.TensorNames.Weight(name, k), widths[k + 1], widths[k]));
            tensors.Add(Random(random, TwoTowerModel.TensorNames.Bias(name, k), widths[k + 1]));
        }
    }

    private static BundleTensor Random(Random random, string name, params int[] shape)
    {
        var data = new float[shape.Aggregate(1, (a, b) => a * b)];
        for (int i = 0; i < data.Length; i++) data[i] = (float)(random.NextDouble() * 2 - 1) * 0.5f;
        return new BundleTensor(name, shape, data);
    }
}
