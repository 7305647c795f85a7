namespace OrleansReco.Core.Data;

/// <summary>
/// One user–item event. <paramref name="Timestamp"/> is unix seconds (UTC); <paramref name="Value"/> is the
/// rating for <c>rating</c> events and 1 otherwise unless the source says more; <paramref name="EventId"/>
/// is the producer's id (used for idempotency), or null when the source has none.
/// </summary>
public readonly record struct Interaction(
    string UserId,
    string ItemId,
    string EventType,
    float Value,
    long Timestamp,
    string? EventId = null);

/// <summary>Well-known event types. Other names are allowed and mapped to weights by configuration.</summary>
public static class EventTypes
{
    public const string View = "view";
    public const string Click = "click";
    public const string AddToCart = "add_to_cart";
    public const string Purchase = "purchase";
    public const string Rating = "rating";
}
