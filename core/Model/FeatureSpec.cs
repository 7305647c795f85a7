using System.Globalization;
using System.Text.Json.Serialization;
using OrleansReco.Core.Data;

namespace OrleansReco.Core.Model;

/// <summary>
/// How one feature column is turned into tower input, fitted on training data and stored in the bundle.
/// Categorical, multi-categorical and text features are "bags": up to <see cref="MaxValues"/> row indices into
/// an embedding table, averaged; numeric features are one standardised number.
/// </summary>
public sealed class FeatureSpec
{
    private Dictionary<string, int>? _index;

    public required string Name { get; init; }
    public required FeatureKind Kind { get; init; }
    /// <summary>Categorical vocabulary; row 0 of the table is "unknown or missing", value i is row i + 1.</summary>
    public string[] Vocabulary { get; init; } = [];
    /// <summary>Numeric mean and standard deviation used for standardisation.</summary>
    public float Mean { get; init; }
    public float Std { get; init; } = 1f;
    /// <summary>Text: number of hashed n-gram buckets (embedding rows).</summary>
    public int Buckets { get; init; }
    /// <summary>Text: hash seed (differs per feature so two text columns do not share buckets by accident).</summary>
    public ulong HashSeed { get; init; }
    public int MinN { get; init; } = 3;
    public int MaxN { get; init; } = 5;
    /// <summary>Width of the bag: most values (categories or n-grams) kept per row.</summary>
    public int MaxValues { get; init; } = 1;
    /// <summary>Width of the bag's embedding.</summary>
    public int EmbeddingDim { get; init; }

    /// <summary>Multi-categorical values are separated by this character.</summary>
    public const char MultiSeparator = '|';
    /// <summary>Standardised numerics are clipped to ±this.</summary>
    public const float NumericClip = 5f;

    [JsonIgnore] public bool IsBag => Kind != FeatureKind.Numeric;
    /// <summary>Rows of the embedding table of a bag feature.</summary>
    [JsonIgnore] public int TableRows => Kind == FeatureKind.Text ? Buckets : Vocabulary.Length + 1;
    /// <summary>Columns this feature adds to the tower input.</summary>
    [JsonIgnore] public int InputWidth => IsBag ? EmbeddingDim : 1;

    /// <summary>Checks the fitted values; <paramref name="where"/> names the field in errors.</summary>
    public void Validate(string where)
    {
        if (string.IsNullOrEmpty(Name)) throw new InvalidDataException($"{where}.name is empty.");
        if (!Enum.IsDefined(Kind)) throw new InvalidDataException($"{where}.kind {(int)Kind} is unknown.");
        if (IsBag && (EmbeddingDim <= 0 || MaxValues <= 0))
            throw new InvalidDataException($"{where}: embeddingDim {EmbeddingDim} and maxValues {MaxValues} must be positive.");
        if (Kind == FeatureKind.Text && (Buckets <= 0 || MinN < 1 || MaxN < MinN))
            throw new InvalidDataException($"{where}: buckets {Buckets}, n-grams {MinN}..{MaxN} are invalid.");
        if (Kind == FeatureKind.Numeric && !(Std > 0f && float.IsFinite(Mean)))
            throw new InvalidDataException($"{where}: mean {Mean} / std {Std} are invalid.");
    }

    private Dictionary<string, int> Index
    {
        get
        {
            var index = Volatile.Read(ref _index);
            if (index is not null) return index;
            index = new Dictionary<string, int>(Vocabulary.Length, StringComparer.Ordinal);
            for (int i = 0; i < Vocabulary.Length; i++) index.TryAdd(Vocabulary[i], i + 1);
            Interlocked.CompareExchange(ref _index, index, null);
            return _index!;
        }
    }

    /// <summary>
    /// Encodes a bag feature: writes table rows into <paramref name="rows"/> (length ≥ <see cref="MaxValues"/>) and
    /// returns their count; each counts 1/count in the mean. A missing categorical is row 0 (a learned "missing"
    /// vector); missing text is an empty bag (zero vector).
    /// </summary>
    public int EncodeBag(string? raw, Span<int> rows)
    {
        rows = rows[..MaxValues];
        switch (Kind)
        {
            case FeatureKind.Text:
                return FeatureHashing.TextNgrams(raw, HashSeed, Buckets, MinN, MaxN, rows);
            case FeatureKind.Categorical:
                rows[0] = Lookup(raw.AsSpan().Trim());
                return 1;
            case FeatureKind.MultiCategorical:
            {
                int count = 0;
                var rest = raw.AsSpan();
                while (!rest.IsEmpty && count < rows.Length)
                {
                    int cut = rest.IndexOf(MultiSeparator);
                    var part = (cut < 0 ? rest : rest[..cut]).Trim();
                    rest = cut < 0 ? [] : rest[(cut + 1)..];
                    if (!part.IsEmpty) rows[count++] = Lookup(part);
                }
                if (count == 0) rows[count++] = 0;
                return count;
            }
            default:
                throw new InvalidOperationException($"Feature '{Name}' is numeric, not a bag.");
        }
    }

    private int Lookup(ReadOnlySpan<char> value)
    {
        if (value.IsEmpty) return 0;
        var lookup = Index.GetAlternateLookup<ReadOnlySpan<char>>();
        return lookup.TryGetValue(value, out int row) ? row : 0;
    }

    /// <summary>Standardised, clipped value of a numeric feature; missing or unparsable is 0 (the mean).</summary>
    public float EncodeNumeric(string? raw)
    {
        if (raw is null || !float.TryParse(raw, NumberStyles.Float, CultureInfo.InvariantCulture, out float x) || !float.IsFinite(x))
            return 0f;
        return Math.Clamp((x - Mean) / Std, -NumericClip, NumericClip);
    }
}

/// <summary>The input side of one tower: its features in input order and the MLP's hidden layer sizes.</summary>
public sealed class TowerSpec
{
    public List<FeatureSpec> Features { get; init; } = [];
    public int[] Hidden { get; init; } = [];

    /// <summary>Width of the tower input: the leading id/history vector (<paramref name="dimension"/>) then each feature.</summary>
    public int InputWidth(int dimension)
    {
        int width = dimension;
        foreach (var f in Features) width += f.InputWidth;
        return width;
    }

    /// <summary>Feature columns in the order that <c>Embed*</c> expects raw values.</summary>
    public IReadOnlyList<FeatureColumn> Columns() => Features.Select(f => new FeatureColumn(f.Name, f.Kind)).ToArray();

    /// <summary>
    /// Maps each of this tower's features to a column of <paramref name="table"/> (-1 when the table lacks it),
    /// so that raw rows in the table's order can be embedded without copying.
    /// </summary>
    public int[] MapColumns(FeatureTable? table)
    {
        var map = new int[Features.Count];
        for (int i = 0; i < map.Length; i++) map[i] = table?.ColumnIndex(Features[i].Name) ?? -1;
        return map;
    }
}
