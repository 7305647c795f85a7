using System.Globalization;
using OrleansReco.Core.Data;
using OrleansReco.Core.Model;

namespace OrleansReco.Training.TwoTower;

/// <summary>Fits the feature specs (vocabularies, numeric statistics, hashing) of a tower from a feature table.</summary>
internal static class SchemaBuilder
{
    public static TowerSpec Fit(FeatureTable? table, int[] hidden, TwoTowerOptions options)
    {
        var features = new List<FeatureSpec>();
        if (table is null) return new TowerSpec { Features = features, Hidden = hidden };
        Span<int> scratch = stackalloc int[options.TextMaxNgrams];
        for (int c = 0; c < table.Columns.Count; c++)
        {
            var column = table.Columns[c];
            switch (column.Kind)
            {
                case FeatureKind.Numeric:
                {
                    double sum = 0, sumSq = 0;
                    long n = 0;
                    for (int r = 0; r < table.Count; r++)
                    {
                        if (float.TryParse(table.Row(r)[c], NumberStyles.Float, CultureInfo.InvariantCulture, out float x) && float.IsFinite(x))
                        {
                            sum += x;
                            sumSq += (double)x * x;
                            n++;
                        }
                    }
                    double mean = n > 0 ? sum / n : 0;
                    double std = n > 1 ? Math.Sqrt(Math.Max(sumSq / n - mean * mean, 0)) : 0;
                    features.Add(new FeatureSpec { Name = column.Name, Kind = column.Kind, Mean = (float)mean, Std = std > 1e-6 ? (float)std : 1f });
                    break;
                }
                case FeatureKind.Categorical:
                case FeatureKind.MultiCategorical:
                {
                    var counts = new Dictionary<string, int>(StringComparer.Ordinal);
                    int widest = 1;
                    for (int r = 0; r < table.Count; r++)
                    {
                        string? raw = table.Row(r)[c];
                        if (raw is null) continue;
                        int values = 0;
                        var parts = column.Kind == FeatureKind.Categorical ? [raw] : raw.Split(FeatureSpec.MultiSeparator);
                        foreach (var part in parts)
                        {
                            string v = part.Trim();
                            if (v.Length == 0) continue;
                            counts[v] = counts.GetValueOrDefault(v) + 1;
                            values++;
                        }
                        widest = Math.Max(widest, values);
                    }
                    var vocabulary = counts.OrderByDescending(kv => kv.Value).ThenBy(kv => kv.Key, StringComparer.Ordinal)
                        .Take(options.MaxVocabulary).Select(kv => kv.Key).ToArray();
                    features.Add(new FeatureSpec
                    {
                        Name = column.Name,
                        Kind = column.Kind,
                        Vocabulary = vocabulary,
                        MaxValues = column.Kind == FeatureKind.Categorical ? 1 : Math.Min(widest, options.MultiMaxValues),
                        EmbeddingDim = options.CategoricalDim,
                    });
                    break;
                }
                case FeatureKind.Text:
                {
                    ulong seed = FeatureHashing.Hash(column.Name, 0x7465787431UL);
                    int widest = 1;
                    for (int r = 0; r < table.Count; r++)
                        widest = Math.Max(widest, FeatureHashing.TextNgrams(table.Row(r)[c], seed, options.TextBuckets, 3, 5, scratch));
                    features.Add(new FeatureSpec
                    {
                        Name = column.Name,
                        Kind = FeatureKind.Text,
                        Buckets = options.TextBuckets,
                        HashSeed = seed,
                        MinN = 3,
                        MaxN = 5,
                        MaxValues = widest,
                        EmbeddingDim = options.TextDim,
                    });
                    break;
                }
            }
        }
        return new TowerSpec { Features = features, Hidden = hidden };
    }
}

/// <summary>
/// The features of many rows of one tower, encoded once into flat arrays: per bag feature a
/// [rows, width] index matrix and matching mean weights (0 = padding), and a [rows, numerics] matrix.
/// </summary>
internal sealed class TowerArrays
{
    public required int Rows { get; init; }
    public required long[][] BagIndex { get; init; }
    public required float[][] BagWeight { get; init; }
    public required int[] BagWidth { get; init; }
    public required float[] Numeric { get; init; }
    public required int NumericCount { get; init; }

    /// <summary>
    /// Encodes <paramref name="rows"/> rows; <paramref name="row"/> gives row r's raw values (null: all missing) and
    /// <paramref name="map"/> where each feature sits in them (empty: spec order).
    /// </summary>
    public static TowerArrays Encode(TowerSpec spec, int rows, Func<int, IReadOnlyList<string?>?> row, int[] map)
    {
        var bags = spec.Features.Where(f => f.IsBag).ToArray();
        int numericCount = spec.Features.Count(f => !f.IsBag);
        var index = bags.Select(f => new long[(long)rows * f.MaxValues]).ToArray();
        var weight = bags.Select(f => new float[(long)rows * f.MaxValues]).ToArray();
        var numeric = new float[(long)rows * numericCount];
        int widest = bags.Length == 0 ? 1 : bags.Max(f => f.MaxValues);
        var scratch = new int[widest];
        for (int r = 0; r < rows; r++)
        {
            var values = row(r);
            int b = 0, n = 0;
            for (int i = 0; i < spec.Features.Count; i++)
            {
                var f = spec.Features[i];
                string? raw = null;
                if (values is not null)
                {
                    int column = map.Length == 0 ? i : map[i];
                    if (column >= 0 && column < values.Count) raw = values[column];
                }
                if (!f.IsBag)
                {
                    numeric[(long)r * numericCount + n++] = f.EncodeNumeric(raw);
                    continue;
                }
                int count = f.EncodeBag(raw, scratch);
                long at = (long)r * f.MaxValues;
                for (int k = 0; k < count; k++)
                {
                    index[b][at + k] = scratch[k];
                    weight[b][at + k] = 1f / count;
                }
                b++;
            }
        }
        return new TowerArrays
        {
            Rows = rows,
            BagIndex = index,
            BagWeight = weight,
            BagWidth = bags.Select(f => f.MaxValues).ToArray(),
            Numeric = numeric,
            NumericCount = numericCount,
        };
    }
}
