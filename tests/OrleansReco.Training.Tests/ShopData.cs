using System.Globalization;
using OrleansReco.Core.Data;

namespace OrleansReco.Training.Tests;

/// <summary>
/// A small shop in the shape of seed 004's data: three departments (gold jewellery with Arabic titles, phone
/// accessories, kitchen) of six products each, buyers who each shop in one department, with events View, AddToCart
/// and Purchase. The gold ring and the gold chain are bought by the same buyers.
/// </summary>
internal static class ShopData
{
    public const string Ring = "ring";
    public const string Chain = "chain";

    public static readonly (string Id, string Title, string Department)[] Products =
    [
        (Ring, "خاتم ذهب", "gold"), (Chain, "سلسال ذهب", "gold"), ("bracelet", "سوار فضة", "gold"), ("earrings", "حلق لؤلؤ", "gold"),
        ("anklet", "خلخال فضة", "gold"), ("brooch", "بروش نحاس", "gold"),
        ("case", "Phone case", "phone"), ("cable", "USB cable", "phone"), ("charger", "Fast charger", "phone"), ("stand", "Phone stand", "phone"),
        ("earbuds", "Wireless earbuds", "phone"), ("screen", "Screen protector", "phone"),
        ("pan", "Frying pan", "kitchen"), ("knife", "Chef knife", "kitchen"), ("board", "Cutting board", "kitchen"), ("kettle", "Electric kettle", "kitchen"),
        ("mug", "Coffee mug", "kitchen"), ("spoon", "Wooden spoon", "kitchen"),
    ];

    public static InteractionDataset Create(int buyersPerDepartment = 40, int seed = 9)
    {
        var random = new Random(seed);
        var events = new List<Interaction>();
        long t = 1_709_280_000;
        string[] departments = ["gold", "phone", "kitchen"];
        for (int d = 0; d < departments.Length; d++)
        {
            var shelf = Products.Where(p => p.Department == departments[d]).Select(p => p.Id).ToArray();
            for (int b = 0; b < buyersPerDepartment; b++)
            {
                string buyer = $"{departments[d]}-buyer-{b}";
                // Two in three jewellery buyers buy the ring and the chain together; every other buyer buys two items of
                // their department at random. Everyone browses three items of their department first.
                var bought = departments[d] == "gold" && b % 3 != 2 ? [Ring, Chain] : shelf.OrderBy(_ => random.Next()).Take(2).ToArray();
                foreach (var item in shelf.OrderBy(_ => random.Next()).Take(3).Concat(bought).Distinct())
                {
                    events.Add(new Interaction(buyer, item, EventTypes.View, 1f, t += 60));
                    if (bought.Contains(item))
                    {
                        events.Add(new Interaction(buyer, item, EventTypes.AddToCart, 1f, t += 60));
                        events.Add(new Interaction(buyer, item, EventTypes.Purchase, 1f, t += 60));
                    }
                }
            }
        }
        var items = new FeatureTable("item_id", [new FeatureColumn("title", FeatureKind.Text)],
            Products.Select(p => p.Id).ToList(), Products.Select(p => new string?[] { p.Title }).ToArray());
        return new InteractionDataset(events, null, items);
    }

    public static string Describe(IEnumerable<Interaction> events) =>
        string.Join(", ", events.GroupBy(e => e.EventType).Select(g => $"{g.Key} {g.Count().ToString(CultureInfo.InvariantCulture)}"));
}
