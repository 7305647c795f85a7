using System.Globalization;
using System.Text;
using System.Text.Json;

namespace OrleansReco.Core.Data.Synthetic;

/// <summary>
/// Writes a generated dataset as CSV (RFC 4180: comma-separated, a header row, fields quoted when they hold a
/// comma, a quote, a line break or leading/trailing spaces, quotes doubled inside; UTF-8 without BOM, LF line ends)
/// plus a <c>schema.json</c> declaring each feature column's kind. Every file is written to a temporary file in the
/// same folder and renamed over the target, so a reader never sees half a file.
/// </summary>
public static class SyntheticCsv
{
    public const string InteractionsFile = "interactions.csv", UsersFile = "users.csv", ItemsFile = "items.csv", SchemaFile = "schema.json";

    private static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false);

    /// <summary>Writes interactions.csv, users.csv, items.csv (when the tables exist) and schema.json into <paramref name="folder"/>, creating it.</summary>
    /// <returns>The paths written.</returns>
    public static IReadOnlyList<string> WriteDataset(string folder, InteractionDataset data)
    {
        ArgumentNullException.ThrowIfNull(folder);
        ArgumentNullException.ThrowIfNull(data);
        Directory.CreateDirectory(folder);
        var written = new List<string>();
        string path = Path.Combine(folder, InteractionsFile);
        WriteInteractions(path, data.Interactions);
        written.Add(path);
        if (data.Users is { } users)
        {
            WriteFeatures(path = Path.Combine(folder, UsersFile), users);
            written.Add(path);
        }
        if (data.Items is { } items)
        {
            WriteFeatures(path = Path.Combine(folder, ItemsFile), items);
            written.Add(path);
        }
        WriteSchema(path = Path.Combine(folder, SchemaFile), data.Users, data.Items);
        written.Add(path);
        return written;
    }

    /// <summary>Columns <c>user_id,item_id,event_type,value,timestamp,event_id</c>; timestamps in unix seconds.</summary>
    public static void WriteInteractions(string path, IReadOnlyList<Interaction> interactions)
    {
        ArgumentNullException.ThrowIfNull(interactions);
        WriteTextAtomically(path, writer =>
        {
            writer.Write("user_id,item_id,event_type,value,timestamp,event_id\n");
            Span<char> number = stackalloc char[32];
            foreach (var e in interactions)
            {
                WriteField(writer, e.UserId);
                writer.Write(',');
                WriteField(writer, e.ItemId);
                writer.Write(',');
                WriteField(writer, e.EventType);
                writer.Write(',');
                e.Value.TryFormat(number, out int length, "R", CultureInfo.InvariantCulture);
                writer.Write(number[..length]);
                writer.Write(',');
                e.Timestamp.TryFormat(number, out length, default, CultureInfo.InvariantCulture);
                writer.Write(number[..length]);
                writer.Write(',');
                WriteField(writer, e.EventId);
                writer.Write('\n');
            }
        });
    }

    /// <summary>The key column, then every feature column in order; a missing value is an empty field.</summary>
    public static void WriteFeatures(string path, FeatureTable table)
    {
        ArgumentNullException.ThrowIfNull(table);
        WriteTextAtomically(path, writer =>
        {
            WriteField(writer, table.KeyColumn);
            foreach (var column in table.Columns)
            {
                writer.Write(',');
                WriteField(writer, column.Name);
            }
            writer.Write('\n');
            for (int r = 0; r < table.Count; r++)
            {
                WriteField(writer, table.Keys[r]);
                foreach (var value in table.Row(r))
                {
                    writer.Write(',');
                    WriteField(writer, value);
                }
                writer.Write('\n');
            }
        });
    }

    /// <summary>
    /// <c>{"users": {"age_group": "categorical", …}, "items": {…}}</c>, kinds named <c>numeric</c>,
    /// <c>categorical</c>, <c>multi</c> and <c>text</c>, so readers need not guess them.
    /// </summary>
    public static void WriteSchema(string path, FeatureTable? users, FeatureTable? items)
    {
        WriteAtomically(path, stream =>
        {
            using var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true });
            json.WriteStartObject();
            foreach (var (name, table) in new[] { ("users", users), ("items", items) })
            {
                if (table is null) continue;
                json.WriteStartObject(name);
                foreach (var column in table.Columns) json.WriteString(column.Name, KindName(column.Kind));
                json.WriteEndObject();
            }
            json.WriteEndObject();
        });
    }

    internal static string KindName(FeatureKind kind) => kind switch
    {
        FeatureKind.Numeric => "numeric",
        FeatureKind.Categorical => "categorical",
        FeatureKind.MultiCategorical => "multi",
        FeatureKind.Text => "text",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown feature kind."),
    };

    /// <summary>Writes one field, quoted only when it must be; null writes nothing.</summary>
    internal static void WriteField(TextWriter writer, string? value)
    {
        if (string.IsNullOrEmpty(value)) return;
        if (!NeedsQuotes(value))
        {
            writer.Write(value);
            return;
        }
        writer.Write('"');
        int from = 0;
        for (int i = 0; i < value.Length; i++)
        {
            if (value[i] != '"') continue;
            writer.Write(value.AsSpan(from, i + 1 - from)); // up to and including the quote…
            writer.Write('"');                              // …then doubled
            from = i + 1;
        }
        writer.Write(value.AsSpan(from));
        writer.Write('"');
    }

    private static bool NeedsQuotes(string value) =>
        value.AsSpan().IndexOfAny(",\"\r\n") >= 0 || char.IsWhiteSpace(value[0]) || char.IsWhiteSpace(value[^1]);

    /// <summary>Writes text through <paramref name="write"/> atomically (see <see cref="WriteAtomically(string, Action{Stream})"/>).</summary>
    private static void WriteTextAtomically(string path, Action<TextWriter> write) =>
        WriteAtomically(path, stream =>
        {
            using var writer = new StreamWriter(stream, Utf8, 1 << 16, leaveOpen: true);
            write(writer);
        });

    /// <summary>Writes through <paramref name="write"/> to a temporary file beside <paramref name="path"/>, flushes it to disk, then renames it over the target.</summary>
    private static void WriteAtomically(string path, Action<Stream> write)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        string full = Path.GetFullPath(path);
        string folder = Path.GetDirectoryName(full) ?? ".";
        Directory.CreateDirectory(folder);
        string temporary = Path.Combine(folder, $".{Path.GetFileName(full)}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
            {
                write(stream);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temporary, full, overwrite: true);
        }
        catch
        {
            File.Delete(temporary);
            throw;
        }
    }
}
