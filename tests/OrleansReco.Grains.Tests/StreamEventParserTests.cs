using OrleansReco.Silo.Events;

namespace OrleansReco.Grains.Tests;

public sealed class StreamEventParserTests
{
    private static StreamEventParser.Result Parse(params (string Name, string Value)[] fields) =>
        StreamEventParser.Parse("1700000000000-0", fields.Select(f => new KeyValuePair<string, string>(f.Name, f.Value)).ToArray());

    [Theory]
    [InlineData("1969-12-31T23:59:59Z", "before 1970")]
    [InlineData("-1", "before 1970")]
    [InlineData("1700090001", "Reco:Events:MaxFutureSkew")]
    public void Parse_TimestampBefore1970OrPastTheLatest_RefusedNamingTimestamp(string timestamp, string reason)
    {
        var fields = new KeyValuePair<string, string>[] { new("user_id", "u1"), new("item_id", "i1"), new("type", "view"), new("timestamp", timestamp) };

        var r = StreamEventParser.Parse("1-0", fields, latest: 1_700_090_000);

        Assert.False(r.IsValid);
        Assert.StartsWith("timestamp:", r.Reason);
        Assert.Contains(reason, r.Reason);
        Assert.True(StreamEventParser.Parse("1-0", [.. fields[..3], new("timestamp", "1700090000")], latest: 1_700_090_000).IsValid);
    }

    [Fact]
    public void Parse_FlatFieldsWithIsoTimestamp_ValidEvent()
    {
        var r = Parse(("user_id", "u1"), ("item_id", "i1"), ("type", "purchase"), ("value", "2.5"),
            ("timestamp", "2024-05-01T12:00:00Z"), ("event_id", "e1"), ("context", """{"channel":"web"}"""));

        Assert.True(r.IsValid, r.Reason);
        Assert.Equal("u1", r.UserId);
        Assert.Equal(new GrainInterfaces.UserEvent("e1", "i1", "purchase", 2.5f, 1714564800), r.Event);
    }

    [Fact]
    public void Parse_JsonEventWithoutIdOrValue_DerivedIdAndValueOne()
    {
        var r = Parse(("event", """{"user_id":"u2","item_id":"i2","type":"view","timestamp":1700000000,"context":{"channel":"app"}}"""));

        Assert.True(r.IsValid, r.Reason);
        Assert.Equal(new GrainInterfaces.UserEvent("stream:1700000000000-0", "i2", "view", 1f, 1700000000), r.Event);
    }

    [Theory]
    [InlineData("user_id", "", "i", "view", "1", "10")]
    [InlineData("item_id", "u", null, "view", "1", "10")]
    [InlineData("type", "u", "i", "teleport", "1", "10")]
    [InlineData("value", "u", "i", "view", "lots", "10")]
    [InlineData("value", "u", "i", "view", "NaN", "10")]
    [InlineData("timestamp", "u", "i", "view", "1", "yesterday")]
    [InlineData("timestamp", "u", "i", "view", "1", null)]
    public void Parse_BadField_InvalidNamingTheField(string field, string? user, string? item, string type, string value, string? timestamp)
    {
        var fields = new List<(string, string)>();
        if (user is not null) fields.Add(("user_id", user));
        if (item is not null) fields.Add(("item_id", item));
        fields.Add(("type", type));
        fields.Add(("value", value));
        if (timestamp is not null) fields.Add(("timestamp", timestamp));

        var r = Parse([.. fields]);

        Assert.False(r.IsValid);
        Assert.Null(r.Event);
        Assert.StartsWith(field + ":", r.Reason);
    }

    [Theory]
    [InlineData("{not json")]
    [InlineData("[1, 2]")]
    public void Parse_EventFieldNotAJsonObject_InvalidNamingEvent(string json)
    {
        var r = Parse(("event", json));

        Assert.False(r.IsValid);
        Assert.StartsWith("event:", r.Reason);
    }
}
