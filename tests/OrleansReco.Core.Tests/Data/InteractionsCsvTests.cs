using OrleansReco.Core.Data;
using OrleansReco.Core.Data.Readers;

namespace OrleansReco.Core.Tests.Data;

public sealed class InteractionsCsvTests
{
    private static LoadResult Load(TempFolder folder, string csv, LoadOptions? options = null, string name = "events.csv") =>
        DatasetLoader.Load(new DatasetSources(folder.Write(name, csv)), options);

    [Fact]
    public void Load_AllColumns_ReadsEveryField()
    {
        using var folder = new TempFolder();
        var result = Load(folder,
            "user_id,item_id,event_type,rating,timestamp,event_id\n" +
            "u1,i1,view,,1700000000,e-1\n" +
            "u1,i2,purchase,,1700000060,e-2\n" +
            "u2,i1,rating,4.5,1700000120,\n");
        var events = result.Dataset.Interactions;
        Assert.Equal(3, events.Count);
        Assert.Equal(new Interaction("u1", "i1", EventTypes.View, 1f, 1_700_000_000, "e-1"), events[0]);
        Assert.Equal(new Interaction("u1", "i2", EventTypes.Purchase, 1f, 1_700_000_060, "e-2"), events[1]);
        Assert.Equal(new Interaction("u2", "i1", EventTypes.Rating, 4.5f, 1_700_000_120), events[2]);
        Assert.Null(result.Dataset.Users);
        Assert.Equal("csv", result.Report.Files[0].Format);
        Assert.Equal(3, result.Report.Files[0].Rows);
    }

    [Fact]
    public void Load_RatingColumnWithoutEventType_MakesRatingEvents()
    {
        using var folder = new TempFolder();
        var events = Load(folder, "user_id,item_id,rating,timestamp\n1,10,3,5\n1,11,5,6\n").Dataset.Interactions;
        Assert.All(events, e => Assert.Equal(EventTypes.Rating, e.EventType));
        Assert.Equal([3f, 5f], events.Select(e => e.Value));
    }

    [Fact]
    public void Load_OnlyIds_MakesViewEventsOfValueOne()
    {
        using var folder = new TempFolder();
        var events = Load(folder, "user_id,item_id\na,b\n").Dataset.Interactions;
        Assert.Equal(new Interaction("a", "b", EventTypes.View, 1f, 2), events[0]);
    }

    [Fact]
    public void Load_WithoutTimestamp_OrdersByLine()
    {
        using var folder = new TempFolder();
        var result = Load(folder, "user_id,item_id,event_type\nu,a,click\n\nu,b,click\n\"u\",\"c\nd\",view\nu,e,view\n");
        var events = result.Dataset.Interactions;
        Assert.Equal(["a", "b", "c\nd", "e"], events.Select(e => e.ItemId));
        Assert.Equal([2L, 4L, 5L, 7L], events.Select(e => e.Timestamp));
        Assert.Contains(result.Report.Describe(), line => line.Contains("no timestamp column", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("1700000000", 1_700_000_000L)]
    [InlineData("1700000000.75", 1_700_000_000L)]
    [InlineData("1700000000123", 1_700_000_000L)]
    [InlineData("2023-11-14T22:13:20Z", 1_700_000_000L)]
    [InlineData("2023-11-14T23:13:20+01:00", 1_700_000_000L)]
    [InlineData("2023-11-14T22:13:20", 1_700_000_000L)]
    [InlineData("2023-11-14 22:13:20", 1_700_000_000L)]
    [InlineData("2023-11-14T22:13:20.500Z", 1_700_000_000L)]
    [InlineData("2023-11-14", 1_699_920_000L)]
    [InlineData("0", 0L)]
    public void Load_Timestamp_AcceptsUnixSecondsAndIso8601(string text, long expected)
    {
        using var folder = new TempFolder();
        var events = Load(folder, $"user_id,item_id,timestamp\nu,i,{text}\n").Dataset.Interactions;
        Assert.Equal(expected, events[0].Timestamp);
    }

    [Theory]
    [InlineData("12x")]
    [InlineData("14/11/2023")]
    [InlineData("2023-13-45")]
    [InlineData("yesterday")]
    public void Load_BadTimestamp_ThrowsNamingFileLineAndField(string text)
    {
        using var folder = new TempFolder();
        var error = Assert.Throws<DataFormatException>(() =>
            Load(folder, $"user_id,item_id,timestamp\nu,i,1\nu,i,{text}\n", name: "ratings.csv"));
        Assert.Equal($"ratings.csv line 3, field 'timestamp': '{text}' is not a unix time or ISO 8601 date", error.Message);
        Assert.Equal(3, error.Line);
        Assert.Equal("timestamp", error.Field);
    }

    [Fact]
    public void Load_QuotedFields_KeepCommasQuotesAndNewlines()
    {
        using var folder = new TempFolder();
        var events = Load(folder, "user_id,item_id,event_id\n\"smith, j\",\"the \"\"best\"\" \nhat\",\"x,1\"\n").Dataset.Interactions;
        Assert.Equal("smith, j", events[0].UserId);
        Assert.Equal("the \"best\" \nhat", events[0].ItemId);
        Assert.Equal("x,1", events[0].EventId);
    }

    [Fact]
    public void Load_ColumnAliases_AreAccepted()
    {
        using var folder = new TempFolder();
        var events = Load(folder, "userId,movieId,rating,timestamp\n1,2,3.5,100\n").Dataset.Interactions;
        Assert.Equal(new Interaction("1", "2", EventTypes.Rating, 3.5f, 100), events[0]);
    }

    [Fact]
    public void Load_SchemaEventTypes_MapSourceNames()
    {
        using var folder = new TempFolder();
        string schema = folder.Write("schema.json", """{ "event_types": { "like": "purchase", "basket": "add_to_cart" } }""");
        string events = folder.Write("events.csv", "user_id,item_id,event_type\nu,a,like\nu,b,basket\nu,c,share\nu,d,view\n");
        var result = DatasetLoader.Load(new DatasetSources(events, Schema: schema));
        Assert.Equal([EventTypes.Purchase, EventTypes.AddToCart, "share", EventTypes.View], result.Dataset.Interactions.Select(e => e.EventType));
    }

    [Fact]
    public void Load_RepeatedIds_ShareOneStringInstance()
    {
        using var folder = new TempFolder();
        var events = Load(folder, "user_id,item_id\nuser-1,item-1\nuser-1,item-2\nuser-2,item-1\n").Dataset.Interactions;
        Assert.Same(events[0].UserId, events[1].UserId);
        Assert.Same(events[0].ItemId, events[2].ItemId);
    }

    [Fact]
    public void Load_ArabicIds_SurviveReading()
    {
        using var folder = new TempFolder();
        var events = Load(folder, "user_id,item_id,event_type\nمستخدم,كتاب عربي,view\n").Dataset.Interactions;
        Assert.Equal("مستخدم", events[0].UserId);
        Assert.Equal("كتاب عربي", events[0].ItemId);
    }
}
