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
    private List<string> _columns = [.. columns];

    public IReadOnlyList<string> Columns => _columns;

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

    /// <summary>
    /// Replaces each column whose values are JSON objects by one column per key (<see cref="JsonColumns"/>). A row
    /// whose value there is not a JSON object is a bad row (reported with its line and the column).
    /// </summary>
    public void ExpandJsonColumns()
    {
        var bad = new bool[_rows.Count];
        for (int c = _columns.Count - 1; c >= 0; c--)
        {
            if (!JsonColumns.IsObjectColumn(_rows.Select(r => r[c]))) continue;
            string name = _columns[c];
            var parsed = new Dictionary<string, string?>[_rows.Count];
            var keys = new List<string>();
            var known = new HashSet<string>(StringComparer.Ordinal);
            for (int r = 0; r < _rows.Count; r++)
            {
                if (bad[r] || _rows[r][c] is not { } text) continue;
                var values = new Dictionary<string, string?>(StringComparer.Ordinal);
                if (!JsonColumns.TryRead(text, values, out var problem))
                {
                    errors.Handle(new DataFormatException(file, _lines[r], name, $"{ValueParsers.Quote(text)} {problem}; the column holds JSON objects"));
                    bad[r] = true;
                    continue;
                }
                parsed[r] = values;
                foreach (var key in values.Keys)
                    if (known.Add(key)) keys.Add(key);
            }
            var others = new HashSet<string>(_columns.Where((_, i) => i != c), StringComparer.Ordinal) { keyColumn };
            var names = keys.Select(k => others.Contains(k) || k.Length == 0 ? $"{name}.{k}" : k).ToList();
            for (int r = 0; r < _rows.Count; r++)
            {
                var old = _rows[r];
                var row = new string?[old.Length - 1 + keys.Count];
                Array.Copy(old, 0, row, 0, c);
                for (int k = 0; k < keys.Count; k++)
                    row[c + k] = parsed[r] is { } values && values.TryGetValue(keys[k], out var v) ? v : null;
                Array.Copy(old, c + 1, row, c + keys.Count, old.Length - c - 1);
                _rows[r] = row;
            }
            _columns.RemoveAt(c);
            _columns.InsertRange(c, names);
        }
        for (int r = _rows.Count - 1; r >= 0; r--)
        {
            if (!bad[r]) continue;
            _seen.Remove(_keys[r]);
            _keys.RemoveAt(r);
            _rows.RemoveAt(r);
            _lines.RemoveAt(r);
        }
        if (_columns.Distinct(StringComparer.Ordinal).Count() != _columns.Count)
            throw new DataFormatException(file, 1, null, $"expanding JSON columns gave duplicate column names: {string.Join(", ", _columns)}");
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
            if (!_columns.Contains(name, StringComparer.Ordinal) && name != keyColumn)
                throw new DataFormatException(schemaFile ?? "schema", null, $"{section}.{name}",
                    $"declares a column that {file} does not have (its columns: {string.Join(", ", _columns)})");
        }
        var kinds = new FeatureColumn[_columns.Count];
        var drop = new bool[_rows.Count];
        for (int c = 0; c < _columns.Count; c++)
        {
            string name = _columns[c];
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
