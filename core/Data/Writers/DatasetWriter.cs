using OrleansReco.Core.Data.Readers;

namespace OrleansReco.Core.Data.Writers;

/// <summary>
/// Writes interactions and feature tables in a format chosen by the file extension, <c>.csv</c> or
/// <c>.parquet</c>, atomically (a temporary file in the same folder renamed over the target when complete).
/// What it writes, <see cref="DatasetLoader"/> reads back: the same events in the same order, the same ids and
/// values. Parquet keeps each feature column's kind; for CSV write the kinds with <see cref="WriteSchema"/> and
/// pass that file as <see cref="DatasetSources.Schema"/>, or let the loader infer them.
/// </summary>
public static class DatasetWriter
{
    /// <summary>Writes events to <paramref name="path"/> (.csv or .parquet), streaming them.</summary>
    public static void WriteInteractions(string path, IEnumerable<Interaction> interactions)
    {
        ArgumentNullException.ThrowIfNull(interactions);
        var format = FormatOf(path);
        AtomicFile.Write(path, stream =>
        {
            if (format == TableFormat.Csv) CsvTableWriter.WriteInteractions(stream, interactions);
            else ParquetTableWriter.WriteInteractions(stream, interactions);
        });
    }

    /// <summary>Writes a users or items table to <paramref name="path"/> (.csv or .parquet).</summary>
    public static void WriteFeatures(string path, FeatureTable table)
    {
        ArgumentNullException.ThrowIfNull(table);
        var format = FormatOf(path);
        AtomicFile.Write(path, stream =>
        {
            if (format == TableFormat.Csv) CsvTableWriter.WriteFeatures(stream, table);
            else ParquetTableWriter.WriteFeatures(stream, table);
        });
    }

    /// <summary>
    /// Writes a whole dataset into <paramref name="folder"/> (created if missing): <c>interactions</c>, <c>users</c> and
    /// <c>items</c> (when the tables exist) with the extension <paramref name="extension"/> (<c>csv</c> or <c>parquet</c>),
    /// and <c>schema.json</c> declaring the feature kinds. Returns the paths written.
    /// </summary>
    public static IReadOnlyList<string> WriteDataset(string folder, InteractionDataset data, string extension = "csv")
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(folder);
        ArgumentNullException.ThrowIfNull(data);
        Directory.CreateDirectory(folder);
        var written = new List<string>();
        string path = Path.Combine(folder, $"interactions.{extension}");
        WriteInteractions(path, data.Interactions);
        written.Add(path);
        if (data.Users is { } users)
        {
            WriteFeatures(path = Path.Combine(folder, $"users.{extension}"), users);
            written.Add(path);
        }
        if (data.Items is { } items)
        {
            WriteFeatures(path = Path.Combine(folder, $"items.{extension}"), items);
            written.Add(path);
        }
        WriteSchema(path = Path.Combine(folder, "schema.json"), data.Users, data.Items);
        written.Add(path);
        return written;
    }

    /// <summary>
    /// Writes a JSON schema file (see <see cref="DataSchema"/>) declaring the kinds of the tables' feature columns
    /// and, optionally, an event-type map, so that CSV files read back with exactly these kinds.
    /// </summary>
    public static void WriteSchema(string path, FeatureTable? users, FeatureTable? items, IReadOnlyDictionary<string, string>? eventTypes = null)
    {
        var schema = DataSchema.FromTables(users, items, eventTypes);
        AtomicFile.Write(path, stream => schema.Save(stream));
    }

    private enum TableFormat { Csv, Parquet }

    private static TableFormat FormatOf(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        string extension = Path.GetExtension(path);
        if (extension.Equals(".csv", StringComparison.OrdinalIgnoreCase)) return TableFormat.Csv;
        if (extension.Equals(".parquet", StringComparison.OrdinalIgnoreCase)) return TableFormat.Parquet;
        throw new ArgumentException($"Cannot tell the format of '{Path.GetFileName(path)}': use a .csv or .parquet extension.", nameof(path));
    }
}
