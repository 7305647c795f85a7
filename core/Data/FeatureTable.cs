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
/// A null value means missing. Rows keep the order in which they were read. The values are held in one flat array
/// (row-major), not an array per row, so that a table of many rows is a few large objects for the collector.
/// </summary>
public sealed class FeatureTable
{
    private readonly Dictionary<string, int> _rowByKey;
    private readonly string?[] _values;
    private readonly int _width;

    public FeatureTable(string keyColumn, IReadOnlyList<FeatureColumn> columns, IReadOnlyList<string> keys, string?[][] rows)
        : this(keyColumn, columns, keys, Flatten(columns, keys, rows))
    {
    }

    /// <param name="values">Row-major: the value of row r, column c at <c>r * columns.Count + c</c>.</param>
    public FeatureTable(string keyColumn, IReadOnlyList<FeatureColumn> columns, IReadOnlyList<string> keys, string?[] values)
    {
        ArgumentNullException.ThrowIfNull(columns);
        ArgumentNullException.ThrowIfNull(keys);
        ArgumentNullException.ThrowIfNull(values);
        if ((long)keys.Count * columns.Count != values.Length)
            throw new ArgumentException($"{keys.Count} keys of {columns.Count} columns need {(long)keys.Count * columns.Count} values, not {values.Length}.", nameof(values));
        _rowByKey = new Dictionary<string, int>(keys.Count, StringComparer.Ordinal);
        for (int i = 0; i < keys.Count; i++)
        {
            if (!_rowByKey.TryAdd(keys[i], i))
                throw new ArgumentException($"Duplicate {keyColumn} '{keys[i]}'.", nameof(keys));
        }
        KeyColumn = keyColumn;
        Columns = columns;
        Keys = keys;
        _values = values;
        _width = columns.Count;
    }

    private static string?[] Flatten(IReadOnlyList<FeatureColumn> columns, IReadOnlyList<string> keys, string?[][] rows)
    {
        ArgumentNullException.ThrowIfNull(columns);
        ArgumentNullException.ThrowIfNull(keys);
        ArgumentNullException.ThrowIfNull(rows);
        if (keys.Count != rows.Length)
            throw new ArgumentException($"{keys.Count} keys but {rows.Length} rows.", nameof(rows));
        var values = new string?[rows.Length * columns.Count];
        for (int i = 0; i < rows.Length; i++)
        {
            if (rows[i].Length != columns.Count)
                throw new ArgumentException($"Row {i} ('{keys[i]}') has {rows[i].Length} values for {columns.Count} columns.", nameof(rows));
            rows[i].CopyTo(values, i * columns.Count);
        }
        return values;
    }

    /// <summary>Name of the id column (<c>user_id</c> or <c>item_id</c>).</summary>
    public string KeyColumn { get; }
    public IReadOnlyList<FeatureColumn> Columns { get; }
    public IReadOnlyList<string> Keys { get; }
    public int Count => Keys.Count;

    /// <summary>Raw values of row <paramref name="index"/>, one per column in <see cref="Columns"/> order.</summary>
    public IReadOnlyList<string?> Row(int index) => RowValues(index).ToArray();

    /// <summary>Raw values of row <paramref name="index"/> without a copy, one per column in <see cref="Columns"/> order.</summary>
    public ReadOnlySpan<string?> RowValues(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Count);
        return _values.AsSpan(index * _width, _width);
    }

    /// <summary>Raw value of row <paramref name="row"/>, column <paramref name="column"/> (null: missing).</summary>
    public string? Value(int row, int column)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(column);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(column, _width);
        return RowValues(row)[column];
    }

    /// <summary>Row index of the entity with this id, or -1.</summary>
    public int IndexOf(string key) => _rowByKey.TryGetValue(key, out int index) ? index : -1;

    /// <summary>Raw values of the row with this id, or false when the id is not in the table.</summary>
    public bool TryGetRow(string key, out IReadOnlyList<string?> values)
    {
        if (_rowByKey.TryGetValue(key, out int index))
        {
            values = Row(index);
            return true;
        }
        values = [];
        return false;
    }

    /// <summary>Row <paramref name="index"/> as column name → value, missing values left out (the inverse of <see cref="FeatureTables.FromDictionaries"/>).</summary>
    public Dictionary<string, string> Features(int index)
    {
        var values = RowValues(index);
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
        var builder = new FeatureTableBuilder(keyColumn);
        foreach (var (key, features) in entities) builder.Add(key, features);
        return builder.Build(declared);
    }
}

/// <summary>
/// Builds a <see cref="FeatureTable"/> from entities added one at a time, as <see cref="FeatureTables.FromDictionaries"/>
/// does, without keeping the dictionaries: each value is copied into growing arrays as it is added, so a caller that
/// reads entities page by page holds one page of dictionaries at a time.
/// </summary>
public sealed class FeatureTableBuilder(string keyColumn)
{
    private readonly List<string> _keys = [];
    private readonly HashSet<string> _seen = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _names = new(StringComparer.Ordinal);
    // One entry per non-empty value: its row, its name's index in _names, and the value.
    private readonly List<int> _rows = [];
    private readonly List<int> _columns = [];
    private readonly List<string> _values = [];

    /// <summary>Rows added so far (blank and repeated keys are skipped: the first occurrence wins).</summary>
    public int Count => _keys.Count;

    public void Add(string key, IReadOnlyDictionary<string, string>? features)
    {
        if (string.IsNullOrWhiteSpace(key) || !_seen.Add(key)) return;
        int row = _keys.Count;
        _keys.Add(key);
        if (features is null) return;
        foreach (var (name, value) in features)
        {
            if (string.Equals(name, keyColumn, StringComparison.Ordinal)) continue;
            if (!_names.TryGetValue(name, out int column)) _names.Add(name, column = _names.Count);
            if (string.IsNullOrEmpty(value)) continue;
            _rows.Add(row);
            _columns.Add(column);
            _values.Add(value);
        }
    }

    /// <summary>
    /// The table: one column per feature name seen (ordinal order); a column's kind is <paramref name="declared"/>'s
    /// when it names the column, else inferred from its values as for files. Null when no entity has a feature.
    /// </summary>
    public FeatureTable? Build(IReadOnlyDictionary<string, FeatureKind>? declared = null)
    {
        if (_names.Count == 0) return null;
        var names = _names.Keys.Order(StringComparer.Ordinal).ToArray();
        var position = new int[names.Length];
        for (int c = 0; c < names.Length; c++) position[_names[names[c]]] = c;
        int width = names.Length;
        var values = new string?[_keys.Count * width];
        for (int k = 0; k < _values.Count; k++) values[_rows[k] * width + position[_columns[k]]] = _values[k];
        var columns = new FeatureColumn[width];
        for (int c = 0; c < width; c++)
        {
            int column = c;
            columns[c] = new FeatureColumn(names[c], declared is not null && declared.TryGetValue(names[c], out var kind) ? kind
                : Readers.FeatureInference.Infer(names[c], Enumerable.Range(0, _keys.Count).Select(r => values[r * width + column])));
        }
        return new FeatureTable(keyColumn, columns, _keys.ToArray(), values);
    }
}
