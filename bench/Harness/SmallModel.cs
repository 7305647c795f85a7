using OrleansReco.Core.Data;
using OrleansReco.Core.Model;

namespace OrleansReco.Harness;

/// <summary>
/// A small valid model bundle with seeded random weights (no training, no libtorch), built like the grain tests'
/// test model: dimension 16, item features <c>category</c> (categorical) and <c>price</c> (numeric), user feature
/// <c>age_group</c>. Serving cost and correctness checks do not depend on model quality.
/// </summary>
public static class SmallModel
{
    public const int Dimension = 16;
    public static readonly string[] Categories = ["a", "b", "c"];
    public static readonly string[] AgeGroups = ["18-25", "26-40", "41+"];

    public static ModelBundle Create(string version, int seed)
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
            Dimension = Dimension,
            IdBuckets = buckets,
            IdHashSeed = 7,
            History = new HistoryWeighting { Length = 20, HalfLifeSeconds = 0 },
            Item = item,
            User = user,
        };
        var tensors = new List<BundleTensor> { Random(random, TwoTowerModel.TensorNames.ItemIds, buckets, Dimension) };
        AddTower(random, "item", item, tensors);
        AddTower(random, "user", user, tensors);
        return new ModelBundle(header, tensors);
    }

    private static void AddTower(Random random, string name, TowerSpec spec, List<BundleTensor> tensors)
    {
        foreach (var f in spec.Features.Where(f => f.IsBag))
            tensors.Add(Random(random, TwoTowerModel.TensorNames.Feature(name, f.Name), f.TableRows, f.EmbeddingDim));
        int[] widths = [spec.InputWidth(Dimension), .. spec.Hidden, Dimension];
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
