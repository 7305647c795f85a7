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
                        if (float.TryParse(table.Value(r, c), NumberStyles.Float, CultureInfo.InvariantCulture, out float x) && float.IsFinite(x))
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
                        string? raw = table.Value(r, c);
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
                        widest = Math.Max(widest, FeatureHashing.TextNgrams(table.Value(r, c), seed, options.TextBuckets, 3, 5, scratch));
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
    public static TowerArrays Encode(TowerSpec spec, int rows, Func<int, IReadOnlyList<string?>?> row, int[] map) =>
        Encode(spec, rows, new ListRows(row), map);

    /// <summary>
    /// Encodes <paramref name="rows"/> rows read from <paramref name="table"/>: row r is the table's row
    /// <paramref name="tableRow"/>(r) (−1, or no table: all missing); <paramref name="map"/> as above. Reads the
    /// table's values in place.
    /// </summary>
    public static TowerArrays Encode(TowerSpec spec, int rows, FeatureTable? table, Func<int, int> tableRow, int[] map) =>
        Encode(spec, rows, new TableRows(table, tableRow), map);

    private interface IRowSource
    {
        bool TryRow(int r, out ReadOnlySpan<string?> values);
    }

    private readonly struct ListRows(Func<int, IReadOnlyList<string?>?> row) : IRowSource
    {
        public bool TryRow(int r, out ReadOnlySpan<string?> values)
        {
            var list = row(r);
            values = list switch { null => default, string?[] array => array, _ => list.ToArray() };
            return list is not null;
        }
    }

    private readonly struct TableRows(FeatureTable? table, Func<int, int> tableRow) : IRowSource
    {
        public bool TryRow(int r, out ReadOnlySpan<string?> values)
        {
            int at = table is null ? -1 : tableRow(r);
            values = at >= 0 ? table!.RowValues(at) : default;
            return at >= 0;
        }
    }

    private static TowerArrays Encode<TSource>(TowerSpec spec, int rows, TSource source, int[] map) where TSource : IRowSource
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
            bool present = source.TryRow(r, out var values);
            int b = 0, n = 0;
            for (int i = 0; i < spec.Features.Count; i++)
            {
                var f = spec.Features[i];
                string? raw = null;
                if (present)
                {
                    int column = map.Length == 0 ? i : map[i];
                    if (column >= 0 && column < values.Length) raw = values[column];
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
