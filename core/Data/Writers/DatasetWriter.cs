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
