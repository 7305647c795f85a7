namespace OrleansReco.Core.Data.Readers;

/// <summary>
/// Column names of an interactions table and the aliases accepted for them (case and underscores ignored):
/// user_id (userId, buyer_id, distinct_id), item_id (itemId, movieId, product_id), event_type (event, event_name),
/// rating, value (weight), timestamp (time, ts, datetime, created_at), event_id. <c>rating</c> and <c>value</c> both
/// set <see cref="Interaction.Value"/>. A file with both <c>distinct_id</c> and <c>buyer_id</c> takes the distinct id
/// (the visitor, present on every event of a session) and the buyer id only where the distinct id is empty. Event names are matched case-insensitively to the well-known types,
/// so <c>View</c>, <c>AddToCart</c> and <c>Purchase</c> are read as view, add_to_cart and purchase.
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
    /// <summary>The second user column of a file with both distinct_id (used where set) and buyer_id (the fallback).</summary>
    public const string UserIdFallback = "user_id_fallback";

    public const string Known = "user_id, item_id, event_type, rating (or value), timestamp, event_id";

    /// <summary>Report note for files without a timestamp column.</summary>
    public const string NoTimestampNote = "no timestamp column: each event's timestamp is its line number, so time order is file order";

    private static string Squash(string header) => header.Trim().Replace("_", "").Replace("-", "").Replace(" ", "").ToLowerInvariant();

    private static bool IsBuyerAndDistinct(string a, string b) =>
        (Squash(a), Squash(b)) is ("buyerid", "distinctid") or ("distinctid", "buyerid");

    /// <summary>
    /// The well-known event type (<see cref="EventTypes"/>) that <paramref name="name"/> spells in another case or
    /// with other separators (<c>View</c>, <c>AddToCart</c>, <c>add-to-cart</c>), or <paramref name="name"/> itself.
    /// </summary>
    public static string CanonicalEventType(string name) =>
        Squash(name) switch
        {
            "view" => EventTypes.View,
            "click" => EventTypes.Click,
            "addtocart" => EventTypes.AddToCart,
            "purchase" => EventTypes.Purchase,
            "rating" => EventTypes.Rating,
            _ => name,
        };

    public static string? Canonical(string header) =>
        Squash(header) switch
        {
            "userid" or "user" or "buyerid" or "distinctid" => UserId,
            "itemid" or "movieid" or "item" or "productid" => ItemId,
            "eventtype" or "event" or "type" or "eventname" => EventType,
            "rating" => Rating,
            "value" or "weight" => Value,
            "timestamp" or "time" or "ts" or "datetime" or "createdat" => Timestamp,
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
            if (name == UserId && map.TryGetValue(UserId, out int other) && IsBuyerAndDistinct(headers[other], raw))
            {
                // distinct_id first, buyer_id as the fallback, whichever order the columns come in.
                bool distinctFirst = Squash(headers[other]) == "distinctid";
                map[UserId] = distinctFirst ? other : i;
                map[UserIdFallback] = distinctFirst ? i : other;
                continue;
            }
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
