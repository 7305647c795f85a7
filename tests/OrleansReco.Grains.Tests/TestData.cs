using System.Globalization;
using OrleansReco.GrainInterfaces;
using OrleansReco.GrainInterfaces.Client;

namespace OrleansReco.Grains.Tests;

/// <summary>Items, events and unique names for tests; each test uses its own catalogue and users so tests never interfere.</summary>
public static class TestData
{
    public static readonly string[] ProductTypes = ["book", "music", "film"];
    private static int _counter;

    /// <summary>A name no other test uses.</summary>
    public static string Unique(string prefix) => $"{prefix}-{Interlocked.Increment(ref _counter)}-{Guid.NewGuid():N}"[..(prefix.Length + 12)];

    /// <summary>Item <paramref name="i"/>: category a/b/c and product type book/music/film cycling, price i.</summary>
    public static CatalogItem Item(int i, bool available = true) => new(
        $"item-{i}",
        new Dictionary<string, string>
        {
            ["category"] = SmallModel.Categories[i % 3],
            ["price"] = i.ToString(CultureInfo.InvariantCulture),
        },
        available,
        new Dictionary<string, string> { ["product_type"] = ProductTypes[i / 3 % 3] });

    public static CatalogItem[] Items(int count) => Enumerable.Range(0, count).Select(i => Item(i)).ToArray();

    /// <summary>A new catalogue holding <paramref name="count"/> items, and a client bound to it.</summary>
    public static async Task<RecoClient> NewCatalogAsync(IGrainFactory grains, int count, string prefix = "cat")
    {
        var client = new RecoClient(grains, Unique(prefix));
        var result = await client.UpsertItemsAsync(Items(count));
        Assert.True(count == result.Added, $"Setup: upserting {count} items into catalogue '{client.Catalog}' added {result.Added}.");
        return client;
    }

    private static long _clock = 1_700_000_000;

    public static UserEvent Event(string itemId, string? eventId = null, string type = "click") =>
        new(eventId ?? Guid.NewGuid().ToString("N"), itemId, type, 1f, Interlocked.Increment(ref _clock));
}
