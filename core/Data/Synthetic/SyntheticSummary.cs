namespace OrleansReco.Core.Data.Synthetic;

/// <summary>Counts and funnel shares of a generated (or any) event list, for the command's summary and for tests.</summary>
public sealed record SyntheticSummary(
    int Users,
    int Items,
    int Events,
    int ActiveUsers,
    int ActiveItems,
    int Views,
    int Carts,
    int Purchases,
    long FirstTimestamp,
    long LastTimestamp,
    int Ratings = 0)
{
    /// <summary>Add-to-carts per view.</summary>
    public double CartShare => Views > 0 ? (double)Carts / Views : 0;

    /// <summary>Purchases per add-to-cart.</summary>
    public double PurchaseShare => Carts > 0 ? (double)Purchases / Carts : 0;

    public static SyntheticSummary Of(InteractionDataset data)
    {
        ArgumentNullException.ThrowIfNull(data);
        var users = new HashSet<string>(StringComparer.Ordinal);
        var items = new HashSet<string>(StringComparer.Ordinal);
        int views = 0, carts = 0, purchases = 0, ratings = 0;
        long first = long.MaxValue, last = long.MinValue;
        foreach (var e in data.Interactions)
        {
            users.Add(e.UserId);
            items.Add(e.ItemId);
            switch (e.EventType)
            {
                case EventTypes.View: views++; break;
                case EventTypes.AddToCart: carts++; break;
                case EventTypes.Purchase: purchases++; break;
                case EventTypes.Rating: ratings++; break;
            }
            first = Math.Min(first, e.Timestamp);
            last = Math.Max(last, e.Timestamp);
        }
        bool any = data.Interactions.Count > 0;
        return new SyntheticSummary(data.Users?.Count ?? users.Count, data.Items?.Count ?? items.Count, data.Interactions.Count,
            users.Count, items.Count, views, carts, purchases, any ? first : 0, any ? last : 0, ratings);
    }
}
