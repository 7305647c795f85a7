namespace OrleansReco.Core.Data;

/// <summary>What <see cref="InteractionFilter.MinInteractions"/> removed.</summary>
/// <param name="Passes">Passes over the events until every kept user and item had enough (1 when nothing was dropped).</param>
public sealed record FilterReport(int MinUserInteractions, int MinItemInteractions, int DroppedUsers, int DroppedItems, int DroppedEvents,
    int KeptUsers, int KeptItems, int KeptEvents, int Passes)
{
    public string Describe() =>
        $"filter (iterative, at least {MinUserInteractions} events per user and {MinItemInteractions} per item): dropped {DroppedUsers:N0} users, " +
        $"{DroppedItems:N0} items and {DroppedEvents:N0} events in {Passes} pass(es); kept {KeptUsers:N0} users, {KeptItems:N0} items, {KeptEvents:N0} events";
}

/// <summary>Minimum-activity filters applied to training data.</summary>
public static class InteractionFilter
{
    /// <summary>
    /// Iterative k-core filter: drops the events of users with fewer than <paramref name="minUser"/> events and of
    /// items with fewer than <paramref name="minItem"/> events, and repeats until every remaining user and item
    /// has enough (dropping an item can take a user below its minimum, and the other way round). Every event counts
    /// (a view and a purchase of one item are two). The feature tables are kept whole. A minimum of 0 or 1 keeps all.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">A minimum is negative.</exception>
    public static (InteractionDataset Data, FilterReport Report) MinInteractions(InteractionDataset data, int minUser, int minItem)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentOutOfRangeException.ThrowIfNegative(minUser);
        ArgumentOutOfRangeException.ThrowIfNegative(minItem);
        var events = data.Interactions;
        var userCount = new Dictionary<string, int>(StringComparer.Ordinal);
        var itemCount = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var e in events)
        {
            userCount[e.UserId] = userCount.GetValueOrDefault(e.UserId) + 1;
            itemCount[e.ItemId] = itemCount.GetValueOrDefault(e.ItemId) + 1;
        }
        int users = userCount.Count, items = itemCount.Count;
        var alive = new bool[events.Count];
        Array.Fill(alive, true);
        int kept = events.Count, passes = 0;
        bool changed = true;
        while (changed)
        {
            changed = false;
            passes++;
            for (int i = 0; i < events.Count; i++)
            {
                if (!alive[i]) continue;
                var e = events[i];
                if (userCount[e.UserId] >= minUser && itemCount[e.ItemId] >= minItem) continue;
                alive[i] = false;
                kept--;
                userCount[e.UserId]--;
                itemCount[e.ItemId]--;
                changed = true;
            }
        }
        if (kept == events.Count)
            return (data, new FilterReport(minUser, minItem, 0, 0, 0, users, items, kept, 1));
        var result = new List<Interaction>(kept);
        for (int i = 0; i < events.Count; i++)
            if (alive[i]) result.Add(events[i]);
        int keptUsers = userCount.Values.Count(c => c > 0), keptItems = itemCount.Values.Count(c => c > 0);
        var report = new FilterReport(minUser, minItem, users - keptUsers, items - keptItems, events.Count - kept, keptUsers, keptItems, kept, passes);
        return (data with { Interactions = result }, report);
    }
}
