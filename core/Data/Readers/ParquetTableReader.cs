using System.Globalization;
using Parquet;
using Parquet.Schema;

namespace OrleansReco.Core.Data.Readers;

/// <summary>
/// Reads the Parquet forms of the three tables, with the same column names (and aliases) as the CSV files.
/// Interactions: <c>user_id</c>, <c>item_id</c> and optionally <c>event_type</c>, <c>rating</c> or <c>value</c>,
/// <c>timestamp</c> (integer unix seconds, an ISO 8601 string or a Parquet timestamp), <c>event_id</c>.
/// Feature tables: the id column and feature columns; a column's kind comes from the schema file, else from the
/// file's key-value metadata <c>reco.kind.&lt;column&gt;</c> (written by <see cref="Writers.DatasetWriter"/>), else
/// numeric for number columns and inferred for the others. Integer, floating, decimal, bool, string, date and
/// timestamp columns are accepted; list and struct columns are not. Errors name the 1-based row as the line.
/// </summary>
public static class ParquetTableReader
{
    /// <summary>Key-value metadata prefix under which a feature column's <see cref="FeatureKind"/> is stored.</summary>
    public const string KindKeyPrefix = "reco.kind.";

    private static ReadOnlySpan<byte> Magic => "PAR1"u8;

    public static (List<Interaction> Interactions, FileReport Report) ReadInteractions(string path, LoadOptions options) =>
        ReadInteractionsAsync(path, options).GetAwaiter().GetResult();

    public static async Task<(List<Interaction> Interactions, FileReport Report)> ReadInteractionsAsync(
        string path, LoadOptions options, CancellationToken cancellation = default)
    {
        string file = Path.GetFileName(path);
        await using var reader = await OpenAsync(path, cancellation);
        var dataFields = Columns(file, reader);
        var headers = dataFields.Select(f => f.Name).ToList();
        var map = InteractionColumns.Map(file, headers);
        var parser = new InteractionRowParser(file, headers, map, options.Schema);
        var errors = new RowErrors(file, "parquet", options);
        var list = new List<Interaction>(checked((int)Math.Min(int.MaxValue, TotalRows(reader))));
        long rowBase = 0;
        for (int g = 0; g < reader.RowGroupCount; g++)
        {
            using var group = reader.OpenRowGroupReader(g);
            int n = checked((int)group.RowCount);
            var columns = new ColumnValues[dataFields.Length];
            for (int c = 0; c < dataFields.Length; c++)
                columns[c] = await ReadColumnAsync(file, group, dataFields[c], n, cancellation);
            int row = 0;
            InteractionRowParser.FieldAt field = c => columns[c].Span(row);
            for (; row < n; row++)
            {
                if (parser.TryParse(field, rowBase + row + 1, out var interaction, out var error)) list.Add(interaction);
                else errors.Handle(error!);
            }
            rowBase += n;
        }
        if (list.Count == 0 && errors.Bad == 0) throw new DataFormatException(file, null, null, "the file has no rows");
        return (list, errors.Report(list.Count, parser.HasTimestamps ? null : InteractionColumns.NoTimestampNote));
    }

    public static (FeatureTable Table, FileReport Report) ReadFeatures(string path, string keyColumn, LoadOptions options) =>
        ReadFeaturesAsync(path, keyColumn, options).GetAwaiter().GetResult();

    /// <summary>Reads a users (<paramref name="keyColumn"/> <c>user_id</c>) or items (<c>item_id</c>) table.</summary>
    public static async Task<(FeatureTable Table, FileReport Report)> ReadFeaturesAsync(
        string path, string keyColumn, LoadOptions options, CancellationToken cancellation = default)
    {
        CsvTableReader.RequireKeyColumn(keyColumn);
        string file = Path.GetFileName(path);
        await using var reader = await OpenAsync(path, cancellation);
        var dataFields = Columns(file, reader);
        var headers = dataFields.Select(f => f.Name).ToList();
        int key = CsvTableReader.KeyIndex(file, headers, keyColumn);
        var columns = headers.Where((_, i) => i != key).ToList();
        var fixedKinds = new Dictionary<string, FeatureKind>(StringComparer.Ordinal);
        foreach (var (k, v) in reader.CustomMetadata)
            if (k.StartsWith(KindKeyPrefix, StringComparison.Ordinal) && Enum.TryParse<FeatureKind>(v, ignoreCase: true, out var kind))
                fixedKinds[k[KindKeyPrefix.Length..]] = kind;
        foreach (var f in dataFields)
            if (!fixedKinds.ContainsKey(f.Name) && IsNumber(f.ClrType)) fixedKinds[f.Name] = FeatureKind.Numeric;

        var errors = new RowErrors(file, "parquet", options);
        var builder = new FeatureTableBuilder(file, keyColumn, columns, errors);
        var pool = new StringPool();
        long rowBase = 0;
        for (int g = 0; g < reader.RowGroupCount; g++)
        {
            using var group = reader.OpenRowGroupReader(g);
            int n = checked((int)group.RowCount);
            var data = new ColumnValues[dataFields.Length];
            for (int c = 0; c < dataFields.Length; c++)
                data[c] = await ReadColumnAsync(file, group, dataFields[c], n, cancellation);
            for (int r = 0; r < n; r++)
            {
                var values = new string?[columns.Count];
                for (int c = 0, v = 0; c < dataFields.Length; c++)
                {
                    if (c == key) continue;
                    var text = data[c].Span(r);
                    values[v++] = text.IsEmpty ? null : text.Length <= StringPool.MaxPooledLength ? pool.Get(text) : data[c].Text(r);
                }
                builder.Add(data[key].Text(r), values, rowBase + r + 1);
            }
            rowBase += n;
        }
        string section = keyColumn == InteractionColumns.UserId ? "users" : "items";
        var table = builder.Build(section == "users" ? options.Schema.Users : options.Schema.Items, options.Schema.FileName, section, fixedKinds);
        if (table.Count == 0 && errors.Bad == 0) throw new DataFormatException(file, null, null, "the file has no rows");
        return (table, errors.Report(table.Count));
    }

    /// <summary>True when the file starts with the Parquet magic bytes.</summary>
    public static bool HasParquetMagic(string path)
    {
        Span<byte> head = stackalloc byte[4];
        using var stream = File.OpenRead(path);
        return stream.ReadAtLeast(head, 4, throwOnEndOfStream: false) == 4 && head.SequenceEqual(Magic);
    }

    private static async Task<ParquetReader> OpenAsync(string path, CancellationToken cancellation)
    {
        string file = Path.GetFileName(path);
        var info = new FileInfo(path);
        if (!info.Exists) throw new FileNotFoundException($"{path} does not exist.", path);
        if (info.Length == 0) throw new DataFormatException(file, null, null, "the file is empty");
        if (!HasParquetMagic(path)) throw new DataFormatException(file, null, null, "not a Parquet file (it does not start with PAR1)");
        try
        {
            return await ParquetReader.CreateAsync(path, cancellationToken: cancellation);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            throw new DataFormatException(file, null, null, $"not a readable Parquet file: {e.Message}", e);
        }
    }

    private static DataField[] Columns(string file, ParquetReader reader)
    {
        foreach (var f in reader.Schema.Fields)
            if (f is not DataField)
                throw new DataFormatException(file, null, f.Name, "nested (list, map or struct) columns are not supported; store multi-valued features as '|'-separated strings");
        var fields = reader.Schema.GetDataFields();
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < fields.Length; i++)
        {
            if (fields[i].IsArray || fields[i].MaxRepetitionLevel > 0)
                throw new DataFormatException(file, null, fields[i].Name, "repeated (list) columns are not supported; store multi-valued features as '|'-separated strings");
            if (!seen.TryAdd(fields[i].Name, i))
                throw new DataFormatException(file, null, fields[i].Name, $"duplicate column: column {i + 1} repeats column {seen[fields[i].Name] + 1}");
        }
        return fields;
    }

    private static long TotalRows(ParquetReader reader)
    {
        long rows = 0;
        for (int g = 0; g < reader.RowGroupCount; g++)
        {
            using var group = reader.OpenRowGroupReader(g);
            rows += group.RowCount;
        }
        return rows;
    }

    private static bool IsNumber(Type t) =>
        t == typeof(int) || t == typeof(long) || t == typeof(short) || t == typeof(byte) || t == typeof(sbyte) ||
        t == typeof(uint) || t == typeof(ulong) || t == typeof(ushort) ||
        t == typeof(float) || t == typeof(double) || t == typeof(decimal);

    /// <summary>Reads one column of a row group; values are seen as invariant text, missing ones as null.</summary>
    private static async Task<ColumnValues> ReadColumnAsync(string file, ParquetRowGroupReader group, DataField field, int n, CancellationToken cancellation)
    {
        Type t = field.ClrType;
        if (t == typeof(string) || t == typeof(ReadOnlyMemory<char>))
        {
            var buffer = new string?[n];
            await group.ReadAsync(field, buffer.AsMemory(), cancellationToken: cancellation);
            return new TextValues(buffer);
        }
        if (t == typeof(int)) return await NumbersAsync<int>(group, field, n, cancellation);
        if (t == typeof(long)) return await NumbersAsync<long>(group, field, n, cancellation);
        if (t == typeof(short)) return await NumbersAsync<short>(group, field, n, cancellation);
        if (t == typeof(byte)) return await NumbersAsync<byte>(group, field, n, cancellation);
        if (t == typeof(sbyte)) return await NumbersAsync<sbyte>(group, field, n, cancellation);
        if (t == typeof(uint)) return await NumbersAsync<uint>(group, field, n, cancellation);
        if (t == typeof(ulong)) return await NumbersAsync<ulong>(group, field, n, cancellation);
        if (t == typeof(ushort)) return await NumbersAsync<ushort>(group, field, n, cancellation);
        if (t == typeof(float)) return await NumbersAsync<float>(group, field, n, cancellation);
        if (t == typeof(double)) return await NumbersAsync<double>(group, field, n, cancellation);
        if (t == typeof(decimal)) return await NumbersAsync<decimal>(group, field, n, cancellation);
        if (t == typeof(bool)) return new TextValues(await FormatAsync<bool>(group, field, n, b => b ? "true" : "false", cancellation));
        if (t == typeof(DateTime)) return new TextValues(await FormatAsync<DateTime>(group, field, n, Iso8601, cancellation));
        if (t == typeof(DateTimeOffset)) return new TextValues(await FormatAsync<DateTimeOffset>(group, field, n, o => Iso8601(o.UtcDateTime), cancellation));
        if (t == typeof(DateOnly)) return new TextValues(await FormatAsync<DateOnly>(group, field, n, d => d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), cancellation));
        throw new DataFormatException(file, null, field.Name, $"columns of type {t.Name} are not supported");
    }

    private static async Task<ColumnValues> NumbersAsync<T>(ParquetRowGroupReader group, DataField field, int n, CancellationToken cancellation)
        where T : struct, ISpanFormattable
    {
        if (field.IsNullable)
        {
            var optional = new T?[n];
            await group.ReadAsync<T>(field, optional.AsMemory(), cancellationToken: cancellation);
            return new OptionalNumbers<T>(optional);
        }
        var required = new T[n];
        await group.ReadAsync<T>(field, required.AsMemory(), cancellationToken: cancellation);
        return new RequiredNumbers<T>(required);
    }

    private static async Task<string?[]> FormatAsync<T>(ParquetRowGroupReader group, DataField field, int n, Func<T, string> format, CancellationToken cancellation)
        where T : struct
    {
        var result = new string?[n];
        if (field.IsNullable)
        {
            var buffer = new T?[n];
            await group.ReadAsync<T>(field, buffer.AsMemory(), cancellationToken: cancellation);
            for (int i = 0; i < n; i++) result[i] = buffer[i] is { } v ? format(v) : null;
        }
        else
        {
            var buffer = new T[n];
            await group.ReadAsync<T>(field, buffer.AsMemory(), cancellationToken: cancellation);
            for (int i = 0; i < n; i++) result[i] = format(buffer[i]);
        }
        return result;
    }

    /// <summary>ISO 8601 in UTC; a date-time without a kind is taken as UTC.</summary>
    private static string Iso8601(DateTime d) =>
        (d.Kind == DateTimeKind.Local ? d.ToUniversalTime() : d).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    /// <summary>
    /// One column of a row group seen as text: <see cref="Span"/> gives a row's value without allocating (numbers are
    /// formatted into a buffer of the column's own, so spans of different columns can be held at once), and
    /// <see cref="Text"/> as a string, null when missing.
    /// </summary>
    private abstract class ColumnValues
    {
        public abstract ReadOnlySpan<char> Span(int row);

        public abstract string? Text(int row);
    }

    private sealed class TextValues(string?[] values) : ColumnValues
    {
        public override ReadOnlySpan<char> Span(int row) => values[row];

        public override string? Text(int row) => values[row];
    }

    private sealed class RequiredNumbers<T>(T[] values) : ColumnValues where T : struct, ISpanFormattable
    {
        private readonly char[] _buffer = new char[64];

        public override ReadOnlySpan<char> Span(int row) =>
            values[row].TryFormat(_buffer, out int n, default, CultureInfo.InvariantCulture) ? _buffer.AsSpan(0, n) : values[row].ToString(null, CultureInfo.InvariantCulture);

        public override string? Text(int row) => values[row].ToString(null, CultureInfo.InvariantCulture);
    }

    private sealed class OptionalNumbers<T>(T?[] values) : ColumnValues where T : struct, ISpanFormattable
    {
        private readonly char[] _buffer = new char[64];

        public override ReadOnlySpan<char> Span(int row) => values[row] is not { } v
            ? default
            : v.TryFormat(_buffer, out int n, default, CultureInfo.InvariantCulture) ? _buffer.AsSpan(0, n) : v.ToString(null, CultureInfo.InvariantCulture);

        public override string? Text(int row) => values[row]?.ToString(null, CultureInfo.InvariantCulture);
    }
}
