using System.Net;

namespace OrleansReco.Gateway.Tests;

[Collection(GatewayCollection.Name)]
public sealed class EventEndpointTests(GatewayFixture fx)
{
    private static string NewUser() => "u-" + Guid.NewGuid().ToString("N")[..10];

    [Fact]
    public async Task PostEvents_Purchase_ExcludedFromRecommendationsAndShownInUser()
    {
        using var client = fx.Factory.Client();
        string user = NewUser();
        var before = await (await client.GetAsync($"/v1/users/{user}/recommendations?k=5")).JsonAsync();
        string bought = before.GetProperty("items")[0].GetProperty("item_id").GetString()!;

        var ack = await (await client.PostJsonAsync("/v1/events",
            $$$"""{"events":[{"event_id":"{{{user}}}-1","user_id":"{{{user}}}","item_id":"{{{bought}}}","type":"purchase","timestamp":1700000000}]}"""))
            .JsonAsync(HttpStatusCode.Accepted);
        Assert.Equal(1, ack.GetProperty("accepted").GetInt32());
        Assert.Equal(0, ack.GetProperty("duplicates").GetInt32());
        Assert.Equal(0, ack.GetProperty("rejected").GetInt32());

        var after = await (await client.GetAsync($"/v1/users/{user}/recommendations?k=20")).JsonAsync();
        Assert.DoesNotContain(bought, after.GetProperty("items").Strings("item_id"));
        Assert.Equal("gw-test-v1", after.GetProperty("model_version").GetString());
        Assert.Equal(user, after.GetProperty("user_id").GetString());

        var profile = await (await client.GetAsync($"/v1/users/{user}")).JsonAsync();
        var history = profile.GetProperty("history");
        Assert.Equal(1, history.GetArrayLength());
        Assert.Equal(bought, history[0].GetProperty("item_id").GetString());
        Assert.Equal("purchase", history[0].GetProperty("type").GetString());
        Assert.Equal(1700000000, history[0].GetProperty("timestamp").GetInt64());
        Assert.Equal(1, profile.GetProperty("event_count").GetInt64());
    }

    [Fact]
    public async Task PostEvents_BareArrayWithIsoTimestampAndRepeatedId_StoresOnceWithDefaults()
    {
        using var client = fx.Factory.Client(GatewayFactory.WriteKey);
        string user = NewUser();
        string one = $$"""{"event_id":"e1","user_id":"{{user}}","item_id":"item-001","type":"view","timestamp":"2024-01-02T03:04:05Z"}""";
        string body = $"[{one},{one}]";
        var ack = await (await client.PostJsonAsync("/v1/events", body)).JsonAsync(HttpStatusCode.Accepted);
        Assert.Equal(1, ack.GetProperty("accepted").GetInt32());
        Assert.Equal(1, ack.GetProperty("duplicates").GetInt32());
        var again = await (await client.PostJsonAsync("/v1/events", body)).JsonAsync(HttpStatusCode.Accepted);
        Assert.Equal(0, again.GetProperty("accepted").GetInt32());

        using var reader = fx.Factory.Client(GatewayFactory.UsersReadKey);
        var history = (await (await reader.GetAsync($"/v1/users/{user}")).JsonAsync()).GetProperty("history");
        Assert.Equal(1, history.GetArrayLength());
        Assert.Equal(new DateTimeOffset(2024, 1, 2, 3, 4, 5, TimeSpan.Zero).ToUnixTimeSeconds(), history[0].GetProperty("timestamp").GetInt64());
        Assert.Equal(1f, history[0].GetProperty("value").GetSingle());
    }

    [Fact]
    public async Task PostEvents_OneBadEvent_RefusesWholeBatchListingEveryBadField()
    {
        using var client = fx.Factory.Client();
        string user = NewUser();
        string body = $$$"""
            {"events":[
            {"user_id":"{{{user}}}","item_id":"item-001","type":"view"},
            {"user_id":"{{{user}}}","item_id":"item-002","type":"teleport"},
            {"user_id":"{{{user}}}","item_id":"item-003","type":"view","value":"NaN"},
            {"user_id":"","item_id":7,"type":"view","timestamp":"yesterday"}]}
            """;
        var problem = await (await client.PostJsonAsync("/v1/events", body)).AssertProblemAsync(HttpStatusCode.BadRequest, "events[1].type");
        var errors = problem.GetProperty("errors");
        foreach (var field in new[] { "events[2].value", "events[3].user_id", "events[3].item_id", "events[3].timestamp" })
            Assert.True(errors.TryGetProperty(field, out _), $"{field} missing: {errors}");
        Assert.False(errors.TryGetProperty("events[0].type", out _));
        // Nothing was recorded, not even the good first event.
        await (await client.GetAsync($"/v1/users/{user}")).AssertProblemAsync(HttpStatusCode.NotFound);
    }

    public static TheoryData<string, string> BadBatches => new()
    {
        { """{"events":[{"item_id":"i","type":"view"}]}""", "events[0].user_id" },
        { """{"events":[{"user_id":"u","item_id":"i","type":"view","value":"1.5"}]}""", "events[0].value" },
        { """{"events":[{"user_id":"u","item_id":"i","type":"view","value":"Infinity"}]}""", "events[0].value" },
        { """{"events":[{"user_id":"u","item_id":"i","type":"view","value":1e300}]}""", "events[0].value" },
        { """{"events":[{"user_id":"u","item_id":"i","type":"VIEW"}]}""", "events[0].type" },
        { """{"events":[{"user_id":"u","item_id":"i","type":"view","timestamp":1e30}]}""", "events[0].timestamp" },
        { """{"events":[{"user_id":"u","item_id":"i","type":"view","timestamp":-99999999999999}]}""", "events[0].timestamp" },
        { """{"events":[{"user_id":"u","item_id":"i","type":"view","timestamp":"1969-12-31T23:59:59Z"}]}""", "events[0].timestamp" },
        { """{"events":[{"user_id":"u","item_id":"i","type":"view","timestamp":"2100-01-01T00:00:00Z"}]}""", "events[0].timestamp" },
        { """{"events":[{"user_id":["u"],"item_id":"i","type":"view"}]}""", "events[0].user_id" },
        { """{"events":[{"user_id":"u","item_id":"i","type":"view","context":"x"}]}""", "events[0].context" },
        { """{"events":[42]}""", "events[0]" },
        { """{"events":[]}""", "events" },
        { """{"events":{"user_id":"u"}}""", "events" },
        { "\"just a string\"", "events" },
        { """{"events":[{"user_id":"u","item_id":"i","type":"view"}""", "body" },
        { "   ", "body" },
        { new string('[', 10_000) + new string(']', 10_000), "body" },
    };

    [Theory, MemberData(nameof(BadBatches))]
    public async Task PostEvents_BadBody_Returns400NamingTheField(string body, string field)
    {
        using var client = fx.Factory.Client();
        await (await client.PostJsonAsync("/v1/events", body)).AssertProblemAsync(HttpStatusCode.BadRequest, field);
    }

    [Fact]
    public async Task PostEvents_MoreEventsForOneUserThanTheIdWindow_Returns400NamingUserAndLimit_NothingRecorded()
    {
        using var client = fx.Factory.Client(GatewayFactory.WriteKey);
        string crowded = NewUser(), other = NewUser();
        string Events(string user, int count, string tag) =>
            string.Join(",", Enumerable.Range(0, count).Select(i => $$"""{"event_id":"{{tag}}-{{i}}","user_id":"{{user}}","item_id":"item-001","type":"view"}"""));

        var problem = await (await client.PostJsonAsync("/v1/events", $"[{Events(crowded, GatewayFixture.EventIdWindow + 1, "a")},{Events(other, 1, "b")}]"))
            .AssertProblemAsync(HttpStatusCode.BadRequest, "events");

        string detail = problem.GetProperty("errors").GetProperty("events")[0].GetString()!;
        Assert.Contains(crowded, detail);
        Assert.Contains("Reco:Users:EventIdWindow", detail);
        Assert.Contains($"{GatewayFixture.EventIdWindow}", detail);
        Assert.DoesNotContain(other, detail);
        using var support = fx.Factory.Client(GatewayFactory.UsersReadKey);
        await (await support.GetAsync($"/v1/users/{other}")).AssertProblemAsync(HttpStatusCode.NotFound);
        // At the window, the batch is accepted.
        await (await client.PostJsonAsync("/v1/events", $"[{Events(crowded, GatewayFixture.EventIdWindow, "c")}]")).JsonAsync(HttpStatusCode.Accepted);
    }

    [Fact]
    public async Task PostEvents_OversizedBatch_Returns400NamingEvents()
    {
        using var client = fx.Factory.Client();
        var events = Enumerable.Range(0, GatewayFixture.MaxBatch + 1).Select(i => $$"""{"user_id":"u{{i}}","item_id":"i","type":"view"}""");
        var problem = await (await client.PostJsonAsync("/v1/events", "[" + string.Join(",", events) + "]")).AssertProblemAsync(HttpStatusCode.BadRequest, "events");
        Assert.Contains("MaxBatch", problem.GetProperty("errors").GetProperty("events")[0].GetString());
    }

    [Fact]
    public async Task PostEvents_WrongContentType_Returns415()
    {
        using var client = fx.Factory.Client();
        await (await client.SendJsonAsync(HttpMethod.Post, "/v1/events", "user_id=u", "text/plain")).AssertProblemAsync(HttpStatusCode.UnsupportedMediaType);
    }

    [Fact]
    public async Task PostEvents_EmptyBodyWithoutContentType_Returns400()
    {
        using var client = fx.Factory.Client();
        var response = await client.PostAsync("/v1/events", new ByteArrayContent([]));
        await response.AssertProblemAsync(HttpStatusCode.BadRequest, "body");
    }

    [Fact]
    public async Task PostEvents_BodyOverLimit_Returns413()
    {
        using var client = fx.Factory.Client();
        string huge = $$$"""{"events":[{"user_id":"u","item_id":"{{{new string('x', GatewayFixture.MaxRequestBytes)}}}","type":"view"}]}""";
        await (await client.PostJsonAsync("/v1/events", huge)).AssertProblemAsync(HttpStatusCode.RequestEntityTooLarge);
    }

    [Fact]
    public async Task PostEvents_BodyWithoutLength_ReadWholeOrRefusedOverLimit()
    {
        using var client = fx.Factory.Client();
        string user = NewUser();
        // 40 events (as many as one user's batch may hold here), about 11 KB, sent without a Content-Length: the
        // gateway's buffer grows twice.
        string padding = new('p', 180);
        string events = string.Join(",", Enumerable.Range(0, 40).Select(i =>
            $$$"""{"event_id":"{{{user}}}-{{{i}}}-{{{padding}}}","user_id":"{{{user}}}","item_id":"item-{{{i % 40}}}","type":"view","timestamp":{{{1700000000 + i}}}}"""));
        var ack = await (await client.PostAsync("/v1/events", Unsized($$$"""{"events":[{{{events}}}]}""")))
            .JsonAsync(HttpStatusCode.Accepted);
        Assert.Equal(40, ack.GetProperty("accepted").GetInt32());
        var profile = await (await client.GetAsync($"/v1/users/{user}")).JsonAsync();
        Assert.Equal(40, profile.GetProperty("event_count").GetInt64());

        string huge = $$$"""{"events":[{"user_id":"u","item_id":"{{{new string('x', GatewayFixture.MaxRequestBytes)}}}","type":"view"}]}""";
        await (await client.PostAsync("/v1/events", Unsized(huge))).AssertProblemAsync(HttpStatusCode.RequestEntityTooLarge);
    }

    /// <summary>A JSON body whose length is not declared (read as a stream to its end).</summary>
    private static HttpContent Unsized(string json)
    {
        var content = new StreamContent(new NonSeekable(System.Text.Encoding.UTF8.GetBytes(json)));
        content.Headers.ContentType = new("application/json");
        Assert.Null(content.Headers.ContentLength);
        return content;
    }

    /// <summary>A stream that cannot tell its length, so the client sends no Content-Length.</summary>
    private sealed class NonSeekable(byte[] bytes) : MemoryStream(bytes)
    {
        public override bool CanSeek => false;
    }

    [Fact]
    public async Task PostEvents_BinaryGarbage_Returns400()
    {
        using var client = fx.Factory.Client();
        var bytes = new byte[512];
        new Random(5).NextBytes(bytes);
        var content = new ByteArrayContent(bytes);
        content.Headers.ContentType = new("application/json");
        await (await client.PostAsync("/v1/events", content)).AssertProblemAsync(HttpStatusCode.BadRequest, "body");
    }
}
