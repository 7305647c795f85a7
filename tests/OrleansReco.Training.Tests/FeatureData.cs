using System.Globalization;
using OrleansReco.Core.Data;

namespace OrleansReco.Training.Tests;

/// <summary>
/// A small data set with every feature kind on both sides and planted tastes: items belong to one of a few
/// categories, users to a segment that prefers one category, and users mostly pick items of their category.
/// Item titles are words of the category, some in Arabic script.
/// </summary>
internal static class FeatureData
{
    private static readonly string[][] Words =
    [
        ["alpha", "amber", "apex", "atlas"],
        ["brook", "birch", "blaze", "bolt"],
        ["cedar", "coral", "crest", "cobalt"],
        ["نجم", "قمر", "بحر", "شمس"],
    ];

    public static InteractionDataset Create(int users = 200, int items = 120, int eventsPerUser = 12, int seed = 5)
    {
        var random = new Random(seed);
        int categories = Words.Length;
        var itemKeys = new List<string>();
        var itemRows = new List<string?[]>();
        var categoryOf = new int[items];
        for (int i = 0; i < items; i++)
        {
            int c = i % categories;
            categoryOf[i] = c;
            string title = string.Join(' ', Enumerable.Range(0, 3).Select(_ => Words[c][random.Next(Words[c].Length)]));
            string tags = c % 2 == 0 ? $"even|c{c}" : $"odd|c{c}";
            string? price = i % 17 == 0 ? null : (10 + 5 * c + random.NextDouble() * 3).ToString("F2", CultureInfo.InvariantCulture);
            itemKeys.Add($"i{i}");
            itemRows.Add([$"cat{c}", tags, price, title]);
        }
        var itemTable = new FeatureTable("item_id",
            [new("category", FeatureKind.Categorical), new("tags", FeatureKind.MultiCategorical), new("price", FeatureKind.Numeric), new("title", FeatureKind.Text)],
            itemKeys, itemRows.ToArray());

        var userKeys = new List<string>();
        var userRows = new List<string?[]>();
        var events = new List<Interaction>();
        string[] types = [EventTypes.View, EventTypes.View, EventTypes.AddToCart, EventTypes.Purchase];
        for (int u = 0; u < users; u++)
        {
            int taste = u % categories;
            userKeys.Add($"u{u}");
            userRows.Add([$"seg{taste}", (20 + random.Next(50)).ToString(CultureInfo.InvariantCulture)]);
            long t = 1_700_000_000 + random.Next(86_400);
            for (int k = 0; k < eventsPerUser; k++)
            {
                int item;
                do item = random.Next(items);
                while (random.NextDouble() < 0.85 && categoryOf[item] != taste);
                t += 60 + random.Next(3600);
                events.Add(new Interaction($"u{u}", $"i{item}", types[random.Next(types.Length)], 1f, t));
            }
        }
        var userTable = new FeatureTable("user_id",
            [new("segment", FeatureKind.Categorical), new("age", FeatureKind.Numeric)], userKeys, userRows.ToArray());
        return new InteractionDataset(events, userTable, itemTable);
    }
}
