namespace OrleansReco.Core.Data.Readers;

/// <summary>Reads the interactions, users and items CSV files (header line, comma separated, UTF-8).</summary>
public static class CsvTableReader
{
    /// <summary>
    /// Reads an interactions CSV: a header naming <c>user_id</c>, <c>item_id</c> and any of <c>event_type</c>,
    /// <c>rating</c> (or <c>value</c>), <c>timestamp</c>, <c>event_id</c> (aliases in <see cref="InteractionColumns"/>),
    /// then one event per row. <paramref name="format"/> is the name the report gives the file.
    /// </summary>
    public static (List<Interaction> Interactions, FileReport Report) ReadInteractions(string path, LoadOptions options, string format = "csv")
    {
        using var csv = CsvTokenizer.Open(path);
        string file = csv.FileName;
        var headers = ReadHeader(csv, $"a header line with {InteractionColumns.Known}");
        var map = InteractionColumns.Map(file, headers);
        var errors = new RowErrors(file, format, options);
        var parser = new InteractionRowParser(file, headers, map, options.Schema);
        var list = new List<Interaction>();
        InteractionRowParser.FieldAt field = i => csv[i];
        while (csv.Read())
        {
            if (csv.FieldCount != headers.Count)
            {
                errors.Handle(FieldCountError(file, csv, headers));
                continue;
            }
            if (parser.TryParse(field, csv.Line, out var interaction, out var error)) list.Add(interaction);
            else errors.Handle(error!);
        }
        if (list.Count == 0 && errors.Bad == 0)
            throw new DataFormatException(file, null, null, "the file has a header but no rows");
        return (list, errors.Report(list.Count, parser.HasTimestamps ? null : InteractionColumns.NoTimestampNote));
    }

    /// <summary>
    /// Reads a users or items CSV: the <paramref name="keyColumn"/> (<c>user_id</c> / <c>item_id</c>; also
    /// userId / itemId / movieId / product_id, or a bare <c>id</c>) and any feature columns, whose kinds come from the
    /// schema or are inferred. A column whose values are JSON objects (e.g. <c>metadata</c>) is expanded into one
    /// column per key (see <see cref="JsonColumns"/>).
    /// </summary>
    public static (FeatureTable Table, FileReport Report) ReadFeatures(string path, string keyColumn, LoadOptions options)
    {
        RequireKeyColumn(keyColumn);
        using var csv = CsvTokenizer.Open(path);
        string file = csv.FileName;
        var headers = ReadHeader(csv, $"a header line with {keyColumn} and feature columns");
        int key = KeyIndex(file, headers, keyColumn);
        var columns = headers.Where((_, i) => i != key).Select(h => h.Trim()).ToList();
        var errors = new RowErrors(file, "csv", options);
        var builder = new FeatureTableBuilder(file, keyColumn, columns, errors);
        var pool = new StringPool();
        while (csv.Read())
        {
            if (csv.FieldCount != headers.Count)
            {
                errors.Handle(FieldCountError(file, csv, headers));
                continue;
            }
            var values = new string?[columns.Count];
            for (int i = 0, c = 0; i < headers.Count; i++)
                if (i != key) values[c++] = csv[i].Length <= StringPool.MaxPooledLength ? pool.Get(csv[i]) : csv.GetString(i);
            builder.Add(csv.GetString(key), values, csv.Line);
        }
        builder.ExpandJsonColumns();
        var section = keyColumn == InteractionColumns.UserId ? "users" : "items";
        var table = builder.Build(section == "users" ? options.Schema.Users : options.Schema.Items, options.Schema.FileName, section);
        if (table.Count == 0 && errors.Bad == 0)
            throw new DataFormatException(file, null, null, "the file has a header but no rows");
        return (table, errors.Report(table.Count));
    }

    /// <summary>Throws unless <paramref name="keyColumn"/> is <c>user_id</c> or <c>item_id</c>.</summary>
    internal static void RequireKeyColumn(string keyColumn)
    {
        if (keyColumn is not (InteractionColumns.UserId or InteractionColumns.ItemId))
            throw new ArgumentException($"The key column must be '{InteractionColumns.UserId}' or '{InteractionColumns.ItemId}', not '{keyColumn}'.", nameof(keyColumn));
    }

    internal static int KeyIndex(string file, IReadOnlyList<string> headers, string keyColumn)
    {
        int found = -1;
        for (int i = 0; i < headers.Count; i++)
        {
            if (InteractionColumns.Canonical(headers[i]) != keyColumn) continue;
            if (found >= 0)
                throw new DataFormatException(file, 1, headers[i].Trim(), $"duplicate header: column {i + 1} repeats column {found + 1} ('{headers[found].Trim()}')");
            found = i;
        }
        // A bare "id" column is the key when no column names the key outright (a products table: id, title, ...).
        if (found < 0) found = headers.ToList().FindIndex(h => h.Trim().Equals("id", StringComparison.OrdinalIgnoreCase));
        return found >= 0
            ? found
            : throw new DataFormatException(file, 1, keyColumn, $"required column missing; the header has {string.Join(", ", headers.Select(h => h.Trim()))}");
    }

    private static List<string> ReadHeader(CsvTokenizer csv, string expected)
    {
        if (!csv.Read())
            throw new DataFormatException(csv.FileName, null, null, $"the file is empty; expected {expected}");
        var headers = new List<string>(csv.FieldCount);
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < csv.FieldCount; i++)
        {
            string h = csv.GetString(i).Trim();
            if (h.Length == 0)
                throw new DataFormatException(csv.FileName, csv.Line, $"#{i + 1}", $"column {i + 1} has an empty header");
            if (!seen.TryAdd(h, i))
                throw new DataFormatException(csv.FileName, csv.Line, h, $"duplicate header: column {i + 1} repeats column {seen[h] + 1}");
            headers.Add(h);
        }
        return headers;
    }

    private static DataFormatException FieldCountError(string file, CsvTokenizer csv, IReadOnlyList<string> headers)
    {
        string field = headers[Math.Min(csv.FieldCount, headers.Count - 1)];
        string problem = csv.FieldCount < headers.Count
            ? $"the row has {csv.FieldCount} fields but the header has {headers.Count}; '{field}' and later are missing"
            : $"the row has {csv.FieldCount} fields but the header has {headers.Count}";
        return new DataFormatException(file, csv.Line, csv.FieldCount < headers.Count ? field : null, problem);
    }
}
