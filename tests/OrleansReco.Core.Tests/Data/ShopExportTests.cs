using OrleansReco.Core.Data;
using OrleansReco.Core.Data.Readers;

namespace OrleansReco.Core.Tests.Data;

/// <summary>A shop's export read as it is: events with distinct_id/buyer_id, product_id, event_name, created_at; products with id, title, description and JSON metadata.</summary>
public sealed class ShopExportTests
{
    private const string Products =
        "id,title,description,metadata\n" +
        "p1,خاتم ذهب,\"خاتم ذهب عيار 21\",\"{\"\"brand\"\":\"\"Nour\"\",\"\"catalog_id\"\":7}\"\n" +
        "p2,سلسال ذهب,سلسال ذهب ناعم,\"{\"\"brand\"\":\"\"Nour\"\",\"\"catalog_id\"\":7,\"\"tags\"\":[\"\"gold\"\",\"\"gift\"\"]}\"\n" +
        "p3,Phone case,A sturdy case,\"{\"\"brand\"\":null,\"\"catalog_id\"\":9}\"\n" +
        "p4,Cable,USB cable,\n";

    [Fact]
    public void Load_EventsWithDistinctIdAndEventName_MapsColumnsAndEventTypes()
    {
        using var folder = new TempFolder();
        var result = DatasetLoader.Load(new DatasetSources(
            folder.Write("events.csv",
                "distinct_id,product_id,event_name,created_at\n" +
                "d1,p1,View,2024-03-01 10:15:30\n" +
                "d1,p1,AddToCart,2024-03-01T10:16:00Z\n" +
                "d1,p1,Purchase,2024-03-01 10:20:00+00:00\n" +
                "d2,p2,view,1709288400\n"),
            Items: folder.Write("products.csv", Products)));
        var events = result.Dataset.Interactions;
        Assert.Equal(["d1", "d1", "d1", "d2"], events.Select(e => e.UserId));
        Assert.Equal([EventTypes.View, EventTypes.AddToCart, EventTypes.Purchase, EventTypes.View], events.Select(e => e.EventType));
        Assert.Equal(new DateTimeOffset(2024, 3, 1, 10, 15, 30, TimeSpan.Zero).ToUnixTimeSeconds(), events[0].Timestamp);
        Assert.Equal(new DateTimeOffset(2024, 3, 1, 10, 20, 0, TimeSpan.Zero).ToUnixTimeSeconds(), events[2].Timestamp);
    }

    [Fact]
    public void Load_DistinctIdAndBuyerId_TakesTheDistinctIdAndTheBuyerWhereItIsEmpty()
    {
        using var folder = new TempFolder();
        var events = DatasetLoader.Load(new DatasetSources(folder.Write("events.csv",
            "buyer_id,distinct_id,product_id,event_name,created_at\n" +
            ",anon-1,p1,View,2024-03-01 10:00:00\n" +
            "b7,anon-1,p1,Purchase,2024-03-01 10:05:00\n" +
            "b8,,p2,Purchase,2024-03-01 10:06:00\n"))).Dataset.Interactions;
        Assert.Equal(["anon-1", "anon-1", "b8"], events.Select(e => e.UserId));
    }

    [Fact]
    public void Load_ProductsWithIdAndJsonMetadata_ExpandsMetadataIntoColumns()
    {
        using var folder = new TempFolder();
        var items = DatasetLoader.Load(new DatasetSources(
            folder.Write("events.csv", "buyer_id,product_id,event_name,created_at\nb1,p1,Purchase,2024-03-01 10:00:00\n"),
            Items: folder.Write("products.csv", Products))).Dataset.Items!;

        Assert.Equal(["title", "description", "brand", "catalog_id", "tags"], items.Columns.Select(c => c.Name));
        Assert.Equal(FeatureKind.Text, items.Columns[0].Kind);
        Assert.Equal(FeatureKind.Categorical, items.Columns[2].Kind);
        Assert.Equal(FeatureKind.Categorical, items.Columns[3].Kind);
        Assert.True(items.TryGetRow("p2", out var chain));
        Assert.Equal(["سلسال ذهب", "سلسال ذهب ناعم", "Nour", "7", "gold|gift"], chain);
        Assert.True(items.TryGetRow("p3", out var phone));
        Assert.Null(phone[2]);
        Assert.Equal("9", phone[3]);
        Assert.True(items.TryGetRow("p4", out var cable));
        Assert.Equal([null, null, null], cable.Skip(2));
    }

    [Fact]
    public void Load_MetadataKeyNamedLikeAColumn_IsPrefixed()
    {
        using var folder = new TempFolder();
        var items = DatasetLoader.Load(new DatasetSources(
            folder.Write("events.csv", "buyer_id,product_id\nb1,p1\n"),
            Items: folder.Write("products.csv", "id,title,metadata\np1,Ring,\"{\"\"title\"\":\"\"Old name\"\",\"\"brand\"\":\"\"Nour\"\"}\"\n"))).Dataset.Items!;
        Assert.Equal(["title", "metadata.title", "brand"], items.Columns.Select(c => c.Name));
    }

    [Fact]
    public void Load_MalformedMetadata_NamesLineAndColumn()
    {
        using var folder = new TempFolder();
        var products = folder.Write("products.csv", "id,title,metadata\np1,Ring,\"{\"\"brand\"\":\"\"Nour\"\"}\"\np2,Chain,{broken\n");
        var events = folder.Write("events.csv", "buyer_id,product_id\nb1,p1\n");
        var error = Assert.Throws<DataFormatException>(() => DatasetLoader.Load(new DatasetSources(events, Items: products)));
        Assert.Contains("line 3", error.Message);
        Assert.Contains("metadata", error.Message);

        var skipped = DatasetLoader.Load(new DatasetSources(events, Items: products), new LoadOptions { SkipBadRows = true });
        Assert.Equal(["p1"], skipped.Dataset.Items!.Keys);
        Assert.Equal(1, skipped.Report.BadRows);
    }
}

/// <summary>The minimum-activity filter: iterative k-core over users and items.</summary>
public sealed class InteractionFilterTests
{
    private static Interaction E(string user, string item) => new(user, item, EventTypes.View, 1f, 0);

    [Fact]
    public void MinInteractions_DroppingAnItem_CascadesToItsUsers()
    {
        // x has one event and goes; that leaves u3 with one event, so u3 goes in the next pass; b keeps u1 and u2.
        var data = new InteractionDataset(
            [E("u1", "a"), E("u1", "b"), E("u2", "a"), E("u2", "b"), E("u3", "b"), E("u3", "x")], null, null);
        var (kept, report) = InteractionFilter.MinInteractions(data, minUser: 2, minItem: 2);
        Assert.Equal([("u1", "a"), ("u1", "b"), ("u2", "a"), ("u2", "b")], kept.Interactions.Select(e => (e.UserId, e.ItemId)));
        Assert.Equal((1, 1, 2), (report.DroppedUsers, report.DroppedItems, report.DroppedEvents));
        Assert.Equal((2, 2, 4), (report.KeptUsers, report.KeptItems, report.KeptEvents));
        Assert.True(report.Passes >= 2, $"passes {report.Passes}");
    }

    [Fact]
    public void MinInteractions_EveryoneAboveTheMinimum_KeepsTheSameData()
    {
        var data = new InteractionDataset([E("u1", "a"), E("u1", "b"), E("u2", "a"), E("u2", "b")], null, null);
        var (kept, report) = InteractionFilter.MinInteractions(data, 2, 2);
        Assert.Same(data, kept);
        Assert.Equal(0, report.DroppedEvents);
    }
}
