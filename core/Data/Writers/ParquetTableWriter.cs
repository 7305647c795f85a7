using Parquet;
using Parquet.Schema;
using OrleansReco.Core.Data.Readers;

namespace OrleansReco.Core.Data.Writers;

/// <summary>
/// Writes interactions and feature tables as Parquet in the layout <see cref="ParquetTableReader"/> reads.
/// Interactions: <c>user_id</c>, <c>item_id</c>, <c>event_type</c> (strings), <c>value</c> (float),
/// <c>timestamp</c> (int64 unix seconds), <c>event_id</c> (string, null when absent), in row groups of
/// <see cref="RowGroupSize"/> rows so that any number of events streams through bounded memory.
/// Feature tables: the id column as a string, numeric features as nullable doubles (so they come back in their
/// shortest invariant form, e.g. <c>3.50</c> as <c>3.5</c>), the others as strings; each column's
/// <see cref="FeatureKind"/> is stored in the key-value metadata <c>reco.kind.&lt;column&gt;</c>.
/// </summary>
public static class ParquetTableWriter
{
    /// <summary>Rows per row group of an interactions file.</summary>
    public const int RowGroupSize = 1 << 18;

    public static void WriteInteractions(Stream stream, IEnumerable<Interaction> interactions) =>
        WriteInteractionsAsync(stream, interactions).GetAwaiter().GetResult();

    public static async Task WriteInteractionsAsync(Stream stream, IEnumerable<Interaction> interactions, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(interactions);
        var user = new DataField<string>(InteractionColumns.UserId, nullable: false);
        var item = new DataField<string>(InteractionColumns.ItemId, nullable: false);
        var type = new DataField<string>(InteractionColumns.EventType, nullable: false);
        var value = new DataField<float>(InteractionColumns.Value);
        var time = new DataField<long>(InteractionColumns.Timestamp);
        var eventId = new DataField<string>(InteractionColumns.EventId, nullable: true);
        var schema = new ParquetSchema(user, item, type, value, time, eventId);

        await using var writer = await ParquetWriter.CreateAsync(schema, stream, cancellationToken: cancellation);
        var users = new string[RowGroupSize];
        var items = new string[RowGroupSize];
        var types = new string[RowGroupSize];
        var values = new float[RowGroupSize];
        var times = new long[RowGroupSize];
        var ids = new string?[RowGroupSize];
        int n = 0;
        bool wroteAny = false;
        foreach (var e in interactions)
        {
            users[n] = e.UserId ?? throw new ArgumentException("An interaction has a null user id.", nameof(interactions));
            items[n] = e.ItemId ?? throw new ArgumentException("An interaction has a null item id.", nameof(interactions));
            types[n] = e.EventType ?? throw new ArgumentException("An interaction has a null event type.", nameof(interactions));
            values[n] = e.Value;
            times[n] = e.Timestamp;
            ids[n] = e.EventId;
            if (++n < RowGroupSize) continue;
            await WriteGroupAsync(n);
            n = 0;
        }
        if (n > 0 || !wroteAny) await WriteGroupAsync(n);

        async Task WriteGroupAsync(int count)
        {
            using var group = writer.CreateRowGroup();
            await group.WriteAsync(user, new ArraySegment<string>(users, 0, count));
            await group.WriteAsync(item, new ArraySegment<string>(items, 0, count));
            await group.WriteAsync(type, new ArraySegment<string>(types, 0, count));
            await group.WriteAsync<float>(value, values.AsMemory(0, count), cancellationToken: cancellation);
            await group.WriteAsync<long>(time, times.AsMemory(0, count), cancellationToken: cancellation);
            await group.WriteAsync(eventId, new ArraySegment<string?>(ids, 0, count)!);
            wroteAny = true;
        }
    }

    public static void WriteFeatures(Stream stream, FeatureTable table) =>
        WriteFeaturesAsync(stream, table).GetAwaiter().GetResult();

    public static async Task WriteFeaturesAsync(Stream stream, FeatureTable table, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(table);
        var key = new DataField<string>(table.KeyColumn, nullable: false);
        var fields = new List<DataField> { key };
        foreach (var c in table.Columns)
            fields.Add(c.Kind == FeatureKind.Numeric ? new DataField<double?>(c.Name) : new DataField<string>(c.Name, nullable: true));
        await using var writer = await ParquetWriter.CreateAsync(new ParquetSchema(fields), stream, cancellationToken: cancellation);
        writer.CustomMetadata = table.Columns.ToDictionary(c => ParquetTableReader.KindKeyPrefix + c.Name, c => c.Kind.ToString(), StringComparer.Ordinal);
        using var group = writer.CreateRowGroup();
        await group.WriteAsync(key, table.Keys.ToArray());
        for (int c = 0; c < table.Columns.Count; c++)
        {
            var column = table.Columns[c];
            if (column.Kind == FeatureKind.Numeric)
            {
                var numbers = new double?[table.Count];
                for (int r = 0; r < table.Count; r++)
                {
                    if (table.Row(r)[c] is not { } text) continue;
                    numbers[r] = ValueParsers.TryParseDouble(text, out double d)
                        ? d
                        : throw new ArgumentException(
                            $"{table.KeyColumn} '{table.Keys[r]}', numeric column '{column.Name}': '{text}' is not a number.", nameof(table));
                }
                await group.WriteAsync<double>(fields[c + 1], numbers.AsMemory(), cancellationToken: cancellation);
            }
            else
            {
                var texts = new string?[table.Count];
                for (int r = 0; r < table.Count; r++) texts[r] = table.Row(r)[c];
                await group.WriteAsync(fields[c + 1], texts!);
            }
        }
    }
}
