namespace OrleansReco.Core.Data.Readers;

/// <summary>
/// Column names of an interactions table and the aliases accepted for them (case and underscores ignored):
/// user_id (userId), item_id (itemId, movieId), event_type (event), rating, value (weight), timestamp (time, ts,
/// datetime), event_id. <c>rating</c> and <c>value</c> both set <see cref="Interaction.Value"/>.
/// </summary>
internal static class InteractionColumns
{
    public const string UserId = "user_id";
    public const string ItemId = "item_id";
    public const string EventType = "event_type";
    public const string Rating = "rating";
    public const string Value = "value";
    public const string Timestamp = "timestamp";
    public const string EventId = "event_id";

    public const string Known = "user_id, item_id, event_type, rating (or value), timestamp, event_id";

    /// <summary>Report note for files without a timestamp column.</summary>
    public const string NoTimestampNote = "no timestamp column: each event's timestamp is its line number, so time order is file order";

    public static string? Canonical(string header) =>
        header.Trim().Replace("_", "").Replace("-", "").Replace(" ", "").ToLowerInvariant() switch
        {
            "userid" or "user" => UserId,
            "itemid" or "movieid" or "item" or "productid" => ItemId,
            "eventtype" or "event" or "type" => EventType,
            "rating" => Rating,
            "value" or "weight" => Value,
            "timestamp" or "time" or "ts" or "datetime" => Timestamp,
            "eventid" => EventId,
            _ => null,
        };

    /// <summary>Maps a header to column positions, rejecting unknown, duplicate and missing required columns.</summary>
    public static Dictionary<string, int> Map(string file, IReadOnlyList<string> headers)
    {
        var map = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < headers.Count; i++)
        {
            string raw = headers[i].Trim();
            if (raw.Length == 0)
                throw new DataFormatException(file, 1, $"#{i + 1}", $"column {i + 1} has an empty header");
            string name = Canonical(raw)
                ?? throw new DataFormatException(file, 1, raw, $"unknown column; an interactions file has {Known}");
            if (map.TryGetValue(name, out int earlier))
                throw new DataFormatException(file, 1, raw, $"duplicate header: column {i + 1} repeats column {earlier + 1} ('{headers[earlier].Trim()}')");
            map[name] = i;
        }
        foreach (var required in new[] { UserId, ItemId })
            if (!map.ContainsKey(required))
                throw new DataFormatException(file, 1, required, $"required column missing; the header has {string.Join(", ", headers.Select(h => h.Trim()))}");
        return map;
    }
}
