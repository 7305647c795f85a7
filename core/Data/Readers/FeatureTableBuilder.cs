namespace OrleansReco.Core.Data.Readers;

/// <summary>
/// Collects the rows of a users or items table, rejects empty and duplicate ids, then settles each column's kind
/// (declared by the schema, fixed by the format, or inferred) and checks declared numeric columns hold numbers.
/// </summary>
internal sealed class FeatureTableBuilder(string file, string keyColumn, IReadOnlyList<string> columns, RowErrors errors)
{
    private readonly List<string> _keys = [];
    private readonly List<string?[]> _rows = [];
    private readonly List<long> _lines = [];
    private readonly HashSet<string> _seen = new(StringComparer.Ordinal);

    public IReadOnlyList<string> Columns => columns;

    /// <summary>Rows accepted so far.</summary>
    public int Count => _keys.Count;

    public void Add(string? key, string?[] values, long line)
    {
        key = key?.Trim();
        if (string.IsNullOrEmpty(key))
        {
            errors.Handle(new DataFormatException(file, line, keyColumn, "the id is empty"));
            return;
        }
        if (!_seen.Add(key))
        {
            errors.Handle(new DataFormatException(file, line, keyColumn, $"'{key}' appears twice; ids must be unique"));
            return;
        }
        for (int i = 0; i < values.Length; i++)
        {
            string? v = values[i]?.Trim();
            values[i] = string.IsNullOrEmpty(v) ? null : v;
        }
        _keys.Add(key);
        _rows.Add(values);
        _lines.Add(line);
    }

    /// <param name="declared">Kinds from the schema file (override everything else).</param>
    /// <param name="schemaFile">Schema file name, for messages.</param>
    /// <param name="section">"users" or "items", for messages.</param>
    /// <param name="fixedKinds">Kinds the format itself defines (e.g. MovieLens genres), used before inference.</param>
    public FeatureTable Build(IReadOnlyDictionary<string, FeatureKind> declared, string? schemaFile, string section,
        IReadOnlyDictionary<string, FeatureKind>? fixedKinds = null)
    {
        foreach (var name in declared.Keys)
        {
            if (!columns.Contains(name, StringComparer.Ordinal) && name != keyColumn)
                throw new DataFormatException(schemaFile ?? "schema", null, $"{section}.{name}",
                    $"declares a column that {file} does not have (its columns: {string.Join(", ", columns)})");
        }
        var kinds = new FeatureColumn[columns.Count];
        var drop = new bool[_rows.Count];
        for (int c = 0; c < columns.Count; c++)
        {
            string name = columns[c];
            FeatureKind kind;
            if (declared.TryGetValue(name, out var d)) kind = d;
            else if (fixedKinds is not null && fixedKinds.TryGetValue(name, out var f)) kind = f;
            else kind = FeatureInference.Infer(name, _rows.Select(r => r[c]));
            kinds[c] = new FeatureColumn(name, kind);
            if (kind != FeatureKind.Numeric) continue;
            for (int r = 0; r < _rows.Count; r++)
            {
                string? v = _rows[r][c];
                if (drop[r] || v is null || ValueParsers.TryParseDouble(v, out _)) continue;
                errors.Handle(new DataFormatException(file, _lines[r], name, $"{ValueParsers.Quote(v)} is not a number (the column is numeric)"));
                drop[r] = true;
            }
        }
        var keys = new List<string>(_keys.Count);
        var rows = new List<string?[]>(_rows.Count);
        for (int r = 0; r < _rows.Count; r++)
        {
            if (drop[r]) continue;
            keys.Add(_keys[r]);
            rows.Add(_rows[r]);
        }
        return new FeatureTable(keyColumn, kinds, keys, rows.ToArray());
    }
}
