using OrleansReco.Core.Data;
using OrleansReco.Core.Data.Synthetic;

namespace OrleansReco.Core.Tests.Synthetic;

/// <summary>Generated datasets shared by the synthetic-data tests, each made once per test run.</summary>
internal static class SyntheticData
{
    /// <summary>1,000 users, 500 items, 40,000 events: big enough for stable metrics, generated in well under a second.</summary>
    public static SyntheticOptions SmallOptions { get; } = SyntheticOptions.Default with { Users = 1_000, Items = 500, Events = 40_000, Seed = 7 };

    private static readonly Lazy<(InteractionDataset Data, SyntheticTruth Truth)> SmallSet = new(() => SyntheticGenerator.GenerateWithTruth(SmallOptions));

    public static InteractionDataset Small => SmallSet.Value.Data;

    public static SyntheticTruth SmallTruth => SmallSet.Value.Truth;

    /// <summary>Each user's events in dataset order (which is time order).</summary>
    public static Dictionary<string, List<Interaction>> ByUser(InteractionDataset data)
    {
        var byUser = new Dictionary<string, List<Interaction>>(StringComparer.Ordinal);
        foreach (var e in data.Interactions)
        {
            if (!byUser.TryGetValue(e.UserId, out var list)) byUser[e.UserId] = list = [];
            list.Add(e);
        }
        return byUser;
    }

    /// <summary>Session key of an event from its id <c>user-session-position</c>.</summary>
    public static (string User, int Session, int Position) ParseEventId(string eventId)
    {
        var parts = eventId.Split('-');
        return (parts[0], int.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture), int.Parse(parts[2], System.Globalization.CultureInfo.InvariantCulture));
    }
}
