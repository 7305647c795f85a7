using OrleansReco.Core.Data;

namespace OrleansReco.Core.Evaluation;

/// <summary>Size and shape of an interaction dataset, for the report and the EDA figures.</summary>
public sealed record DatasetProfile(
    int Users,
    int Items,
    int Events,
    double Density,
    long FirstTimestamp,
    long LastTimestamp,
    IReadOnlyDictionary<string, int> EventTypes,
    int[] EventsPerUser,
    int[] EventsPerItem)
{
    /// <summary>Counts users, items (in the events), events, density = distinct user–item pairs / (users × items).</summary>
    public static DatasetProfile Of(IReadOnlyList<Interaction> events)
    {
        ArgumentNullException.ThrowIfNull(events);
        var perUser = new Dictionary<string, int>(StringComparer.Ordinal);
        var perItem = new Dictionary<string, int>(StringComparer.Ordinal);
        var types = new SortedDictionary<string, int>(StringComparer.Ordinal);
        var pairs = new HashSet<(string, string)>();
        long first = long.MaxValue, last = long.MinValue;
        foreach (var e in events)
        {
            perUser[e.UserId] = perUser.GetValueOrDefault(e.UserId) + 1;
            perItem[e.ItemId] = perItem.GetValueOrDefault(e.ItemId) + 1;
            types[e.EventType] = types.GetValueOrDefault(e.EventType) + 1;
            pairs.Add((e.UserId, e.ItemId));
            first = Math.Min(first, e.Timestamp);
            last = Math.Max(last, e.Timestamp);
        }
        double cells = (double)perUser.Count * perItem.Count;
        return new DatasetProfile(perUser.Count, perItem.Count, events.Count, cells > 0 ? pairs.Count / cells : 0,
            events.Count > 0 ? first : 0, events.Count > 0 ? last : 0, types, [.. perUser.Values], [.. perItem.Values]);
    }
}
