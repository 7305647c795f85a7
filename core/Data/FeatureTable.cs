namespace OrleansReco.Core.Data;

/// <summary>How a feature column is encoded by the towers.</summary>
public enum FeatureKind
{
    /// <summary>A number, standardised (mean 0, variance 1) by the towers.</summary>
    Numeric,
    /// <summary>One value from a vocabulary (e.g. category, brand).</summary>
    Categorical,
    /// <summary>Several vocabulary values separated by <c>|</c> (e.g. genres).</summary>
    MultiCategorical,
    /// <summary>Free text (title, description), encoded as a hashed character n-gram bag.</summary>
    Text,
}

/// <summary>A named feature column and how it is encoded.</summary>
public sealed record FeatureColumn(string Name, FeatureKind Kind);

/// <summary>
/// A table of entities (users or items) keyed by id, with raw string values per feature column.
/// A null value means missing. Rows keep the order in which they were read.
/// </summary>
public sealed class FeatureTable
{
    private readonly Dictionary<string, int> _rowByKey;
    private readonly string?[][] _rows;

    public FeatureTable(string keyColumn, IReadOnlyList<FeatureColumn> columns, IReadOnlyList<string> keys, string?[][] rows)
    {
        ArgumentNullException.ThrowIfNull(columns);
        ArgumentNullException.ThrowIfNull(keys);
        ArgumentNullException.ThrowIfNull(rows);
        if (keys.Count != rows.Length)
            throw new ArgumentException($"{keys.Count} keys but {rows.Length} rows.", nameof(rows));
        _rowByKey = new Dictionary<string, int>(keys.Count, StringComparer.Ordinal);
        for (int i = 0; i < keys.Count; i++)
        {
            if (rows[i].Length != columns.Count)
                throw new ArgumentException($"Row {i} ('{keys[i]}') has {rows[i].Length} values for {columns.Count} columns.", nameof(rows));
            if (!_rowByKey.TryAdd(keys[i], i))
                throw new ArgumentException($"Duplicate {keyColumn} '{keys[i]}'.", nameof(keys));
        }
        KeyColumn = keyColumn;
        Columns = columns;
        Keys = keys;
        _rows = rows;
    }

    /// <summary>Name of the id column (<c>user_id</c> or <c>item_id</c>).</summary>
    public string KeyColumn { get; }
    public IReadOnlyList<FeatureColumn> Columns { get; }
    public IReadOnlyList<string> Keys { get; }
    public int Count => Keys.Count;

    /// <summary>Raw values of row <paramref name="index"/>, one per column in <see cref="Columns"/> order.</summary>
    public IReadOnlyList<string?> Row(int index) => _rows[index];

    /// <summary>Raw values of the row with this id, or false when the id is not in the table.</summary>
    public bool TryGetRow(string key, out IReadOnlyList<string?> values)
    {
        if (_rowByKey.TryGetValue(key, out int index))
        {
            values = _rows[index];
            return true;
        }
        values = [];
        return false;
    }

    /// <summary>Row <paramref name="index"/> as column name → value, missing values left out (the inverse of <see cref="FeatureTables.FromDictionaries"/>).</summary>
    public Dictionary<string, string> Features(int index)
    {
        var values = _rows[index];
        var features = new Dictionary<string, string>(values.Length, StringComparer.Ordinal);
        for (int c = 0; c < values.Length; c++)
            if (values[c] is { } v) features[Columns[c].Name] = v;
        return features;
    }

    /// <summary>The row with this id as column name → value, or null when the id is not in the table.</summary>
    public Dictionary<string, string>? Features(string key) => _rowByKey.TryGetValue(key, out int index) ? Features(index) : null;

    /// <summary>Index of the column named <paramref name="name"/>, or -1.</summary>
    public int ColumnIndex(string name)
    {
        for (int i = 0; i < Columns.Count; i++)
            if (string.Equals(Columns[i].Name, name, StringComparison.Ordinal)) return i;
        return -1;
    }
}

/// <summary>What a data scientist trains on: the events, plus optional user and item feature tables.</summary>
public sealed record InteractionDataset(
    IReadOnlyList<Interaction> Interactions,
    FeatureTable? Users,
    FeatureTable? Items);

/// <summary>Feature tables from per-entity dictionaries (catalog items, user profiles kept by the cluster).</summary>
public static class FeatureTables
{
    /// <summary>
    /// One row per entity (the first occurrence of a key wins), one column per feature name seen (ordinal order); a
    /// column's kind is <paramref name="declared"/>'s when it names the column, else inferred from its values as for
    /// files. Null when no entity has a feature.
    /// </summary>
    public static FeatureTable? FromDictionaries(string keyColumn, IEnumerable<(string Key, IReadOnlyDictionary<string, string>? Features)> entities,
        IReadOnlyDictionary<string, FeatureKind>? declared = null)
    {
        ArgumentNullException.ThrowIfNull(entities);
        var keys = new List<string>();
        var rows = new List<IReadOnlyDictionary<string, string>?>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var names = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var (key, features) in entities)
        {
            if (string.IsNullOrWhiteSpace(key) || !seen.Add(key)) continue;
            keys.Add(key);
            rows.Add(features);
            if (features is not null) names.UnionWith(features.Keys.Where(n => !string.Equals(n, keyColumn, StringComparison.Ordinal)));
        }
        if (names.Count == 0) return null;
        var columns = names.Select(name => new FeatureColumn(name,
            declared is not null && declared.TryGetValue(name, out var kind) ? kind
                : Readers.FeatureInference.Infer(name, rows.Select(r => r is not null && r.TryGetValue(name, out var v) ? v : null)))).ToArray();
        var table = new string?[keys.Count][];
        for (int i = 0; i < table.Length; i++)
        {
            var row = new string?[columns.Length];
            for (int c = 0; c < columns.Length; c++)
                row[c] = rows[i] is { } r && r.TryGetValue(columns[c].Name, out var v) && !string.IsNullOrEmpty(v) ? v : null;
            table[i] = row;
        }
        return new FeatureTable(keyColumn, columns, keys, table);
    }
}
