using System.Collections.Concurrent;
using OrleansReco.Core.Data;

namespace OrleansReco.Grains.Users;

/// <summary>
/// One string per distinct item id and event type for every user on the silo. Users hold their last events as structs
/// whose item id and type arrive as new strings with each call or stored record: 20,000 users with 200 events each
/// held 8 million such strings, which every full collection has to visit. Item ids are pooled up to a bound (a flood of
/// unknown ids then stays per user, as before); the well-known event types map to their literals.
/// </summary>
internal static class SharedStrings
{
    /// <summary>Most item ids pooled (a catalog of this many items is shared whole).</summary>
    private const int MaxItemIds = 4_000_000;
    private static readonly ConcurrentDictionary<string, string> ItemIds = new(StringComparer.Ordinal);
    private static int _itemIds;

    public static string ItemId(string id)
    {
        if (ItemIds.TryGetValue(id, out var shared)) return shared;
        if (Volatile.Read(ref _itemIds) >= MaxItemIds) return id;
        shared = ItemIds.GetOrAdd(id, id);
        if (ReferenceEquals(shared, id)) Interlocked.Increment(ref _itemIds);
        return shared;
    }

    public static string EventType(string type) => type switch
    {
        EventTypes.View => EventTypes.View,
        EventTypes.Click => EventTypes.Click,
        EventTypes.AddToCart => EventTypes.AddToCart,
        EventTypes.Purchase => EventTypes.Purchase,
        EventTypes.Rating => EventTypes.Rating,
        _ => type,
    };
}
