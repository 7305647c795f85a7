using System.Globalization;
using System.Text;
using OrleansReco.Core.Data.Readers;

namespace OrleansReco.Core.Data.Writers;

/// <summary>
/// Writes interactions and feature tables as UTF-8 CSV (no byte-order mark, LF line ends) in the layout
/// <see cref="CsvTableReader"/> reads. A field is quoted when it holds a comma, a quote or a line break; quotes
/// inside are doubled. Missing feature values are empty fields. (The reader trims spaces around values, so
/// leading and trailing spaces do not survive a round trip.)
/// </summary>
public static class CsvTableWriter
{
    /// <summary>Header of an interactions file as written.</summary>
    public const string InteractionsHeader = "user_id,item_id,event_type,value,timestamp,event_id";

    private static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false);

    /// <summary>Writes <c>user_id,item_id,event_type,value,timestamp,event_id</c>; the timestamp in unix seconds.</summary>
    public static void WriteInteractions(Stream stream, IEnumerable<Interaction> interactions)
    {
        ArgumentNullException.ThrowIfNull(interactions);
        using var writer = new StreamWriter(stream, Utf8, bufferSize: 1 << 16, leaveOpen: true) { NewLine = "\n" };
        writer.Write(InteractionsHeader);
        writer.Write('\n');
        Span<char> number = stackalloc char[32];
        foreach (var e in interactions)
        {
            WriteField(writer, e.UserId);
            writer.Write(',');
            WriteField(writer, e.ItemId);
            writer.Write(',');
            WriteField(writer, e.EventType);
            writer.Write(',');
            e.Value.TryFormat(number, out int n, default, CultureInfo.InvariantCulture);
            writer.Write(number[..n]);
            writer.Write(',');
            e.Timestamp.TryFormat(number, out n, default, CultureInfo.InvariantCulture);
            writer.Write(number[..n]);
            writer.Write(',');
            if (e.EventId is not null) WriteField(writer, e.EventId);
            writer.Write('\n');
        }
    }

    /// <summary>Writes the key column, then one column per feature, one row per entity.</summary>
    public static void WriteFeatures(Stream stream, FeatureTable table)
    {
        ArgumentNullException.ThrowIfNull(table);
        using var writer = new StreamWriter(stream, Utf8, bufferSize: 1 << 16, leaveOpen: true) { NewLine = "\n" };
        WriteField(writer, table.KeyColumn);
        foreach (var c in table.Columns)
        {
            writer.Write(',');
            WriteField(writer, c.Name);
        }
        writer.Write('\n');
        for (int r = 0; r < table.Count; r++)
        {
            WriteField(writer, table.Keys[r]);
            var row = table.Row(r);
            for (int c = 0; c < row.Count; c++)
            {
                writer.Write(',');
                if (row[c] is { } value) WriteField(writer, value);
            }
            writer.Write('\n');
        }
    }

    /// <summary>Writes one CSV field, quoted (with doubled quotes) only when it holds a comma, quote or line break.</summary>
    public static void WriteField(TextWriter writer, string value)
    {
        if (!NeedsQuotes(value))
        {
            writer.Write(value);
            return;
        }
        writer.Write('"');
        int start = 0;
        for (int i = value.IndexOf('"'); i >= 0; i = value.IndexOf('"', start))
        {
            writer.Write(value.AsSpan(start, i + 1 - start));
            writer.Write('"');
            start = i + 1;
        }
        writer.Write(value.AsSpan(start));
        writer.Write('"');
    }

    private static bool NeedsQuotes(string value) => value.AsSpan().IndexOfAny(",\"\r\n") >= 0;
}
