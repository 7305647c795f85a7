using System.Net;
using System.Text;
using System.Text.Json;

namespace OrleansReco.Gateway.Tests;

/// <summary>
/// Seeded random bodies for every POST and PUT endpoint: random and truncated JSON, wrong types, huge strings, deep
/// nesting, NaN strings, Arabic and emoji text, negative and overflowing numbers, binary garbage. No answer may be a
/// 5xx, and every event of every 202 batch must be in its user's history exactly once afterwards.
/// </summary>
[Collection(GatewayCollection.Name)]
public sealed class FuzzTests(GatewayFixture fx)
{
    private const int Seed = 20261124;
    private const int Requests = 500;

    private static readonly string[] Texts =
        ["", " ", "NaN", "Infinity", "-Infinity", "null", "مرحبا بالعالم", "🎉👍🏽🚀", "a\u0000b", "view", "purchase", "rating", "add_to_cart",
         "item-001", "x\"y", "\\", "1.5", "2024-01-02T03:04:05Z", "true", "category", "a", "b"];

    private static readonly string[] Numbers =
        ["0", "-1", "1", "1.5", "-0", "1e308", "1e309", "-1e400", "123456789012345678901234567890", "9223372036854775808", "1700000000", "-62135596801", "3.4e39"];

    private static readonly (HttpMethod Method, string Url)[] Targets =
    [
        (HttpMethod.Post, "/v1/events"), (HttpMethod.Post, "/v1/recommendations"), (HttpMethod.Post, "/v1/scores"),
        (HttpMethod.Put, "/v1/items/fz-item"), (HttpMethod.Post, "/v1/items"), (HttpMethod.Put, "/v1/users/fz-user"),
        (HttpMethod.Post, "/v1/model/publish"),
    ];

    [Fact]
    public async Task Fuzz_RandomBodies_NoServerErrorAndNoAcceptedEventLost()
    {
        var random = new Random(Seed);
        using var client = fx.Factory.Client();
        var accepted = new Dictionary<(string User, string Item), HashSet<string>>();
        var acceptedBodies = new List<string>();
        int serial = 0, ok = 0;
        for (int n = 0; n < Requests; n++)
        {
            var (method, url) = Targets[random.Next(Targets.Length)];
            bool events = url == "/v1/events";
            if (events && acceptedBodies.Count > 0 && random.Next(10) == 0)
            {
                // A retry of an accepted batch: events with an id are not recorded twice; those without one are new events.
                string again = acceptedBodies[random.Next(acceptedBodies.Count)];
                var retry = await client.SendJsonAsync(method, url, again);
                Assert.Equal(HttpStatusCode.Accepted, retry.StatusCode);
                Record(again, accepted, ref serial);
                continue;
            }
            var content = Body(random, events, ref serial);
            var response = await client.SendAsync(new HttpRequestMessage(method, url) { Content = content });
            int status = (int)response.StatusCode;
            string shown = await Describe(content);
            Assert.True(status < 500, $"Request {n}: {method} {url} answered {status} to {shown}: {await response.Content.ReadAsStringAsync()}");
            if (status < 300) ok++;
            if (events && response.StatusCode == HttpStatusCode.Accepted)
            {
                string text = await content.ReadAsStringAsync();
                acceptedBodies.Add(text);
                Record(text, accepted, ref serial);
            }
        }
        Assert.True(ok > 20, $"Only {ok} requests succeeded: the generator should produce some valid bodies too.");
        Assert.True(accepted.Count > 20, $"Only {accepted.Count} events accepted.");

        foreach (var user in accepted.Keys.Select(k => k.User).Distinct())
        {
            var history = (await (await client.GetAsync($"/v1/users/{Uri.EscapeDataString(user)}")).JsonAsync()).GetProperty("history");
            var counts = history.EnumerateArray().GroupBy(e => e.GetProperty("item_id").GetString()!).ToDictionary(g => g.Key, g => g.Count());
            foreach (var ((u, item), keys) in accepted.Where(p => p.Key.User == user))
                Assert.True(counts.GetValueOrDefault(item) == keys.Count,
                    $"User {u}, item {item}: accepted {keys.Count} distinct events, history has {counts.GetValueOrDefault(item)}.");
        }
    }

    private static void Record(string body, Dictionary<(string, string), HashSet<string>> accepted, ref int serial)
    {
        using var doc = JsonDocument.Parse(body);
        var root = doc.RootElement.ValueKind == JsonValueKind.Array ? doc.RootElement : doc.RootElement.GetProperty("events");
        foreach (var e in root.EnumerateArray())
        {
            var key = (e.GetProperty("user_id").GetString()!, e.GetProperty("item_id").GetString()!);
            string id = e.TryGetProperty("event_id", out var eid) && eid.ValueKind == JsonValueKind.String ? eid.GetString()! : $"(no id {serial++})";
            if (!accepted.TryGetValue(key, out var ids)) accepted[key] = ids = [];
            ids.Add(id);
        }
    }

    private static HttpContent Body(Random random, bool events, ref int serial)
    {
        int kind = random.Next(events ? 16 : 10);
        string json = kind switch
        {
            0 => RandomJson(random, 0),
            1 => Truncate(random, events ? ValidEvents(random, ref serial) : RandomJson(random, 0)),
            2 => new string('[', 10_000) + new string(']', 10_000),
            3 => $$$"""{"events":[{"user_id":"{{{new string('u', 300_000)}}}"}],"k":1}""",
            4 => """{"k":"NaN","value":"NaN","events":[{"user_id":"u","item_id":"i","type":"view","value":"NaN"}],"item_ids":["NaN"],"version":"NaN"}""",
            5 => Shaped(random),
            6 => Shaped(random),
            7 => Shaped(random),
            8 => """{"profile":{"name":"مرحبا 🎉"},"features":{"title":"عربي 👍🏽","price":-1e308},"user_id":"مستخدم","item_ids":["🎉"],"version":"🚀"}""",
            9 => "",
            _ => ValidEvents(random, ref serial),
        };
        if (kind == 9 && random.Next(2) == 0)
        {
            var garbage = new byte[random.Next(1, 2048)];
            random.NextBytes(garbage);
            var binary = new ByteArrayContent(garbage);
            binary.Headers.ContentType = new(random.Next(2) == 0 ? "application/json" : "application/octet-stream");
            return binary;
        }
        return new StringContent(json, Encoding.UTF8, "application/json");
    }

    /// <summary>A valid batch: fuzz users, a fresh item and event id per event.</summary>
    private static string ValidEvents(Random random, ref int serial)
    {
        var events = new List<string>();
        int count = random.Next(1, 8);
        for (int i = 0; i < count; i++)
        {
            int n = serial++;
            string type = Texts[9 + random.Next(4)];
            string ts = random.Next(3) switch { 0 => "", 1 => $",\"timestamp\":{1_700_000_000 + n}", _ => ",\"timestamp\":\"2025-05-05T10:00:00+02:00\"" };
            string id = random.Next(4) == 0 ? "" : $",\"event_id\":\"fz-e{n}\"";
            events.Add($$$"""{"user_id":"fz-u{{{random.Next(30)}}}","item_id":"fz-i{{{n}}}","type":"{{{type}}}","value":{{{random.Next(1, 5)}}}{{{ts}}}{{{id}}}}""");
        }
        string array = "[" + string.Join(",", events) + "]";
        return random.Next(2) == 0 ? array : $$"""{"events":{{array}}}""";
    }

    /// <summary>The real field names with random values of random types.</summary>
    private static string Shaped(Random random)
    {
        string V() => RandomValue(random, 2);
        string ev = $$$"""{"user_id":{{{V()}}},"item_id":{{{V()}}},"type":{{{V()}}},"value":{{{V()}}},"timestamp":{{{V()}}},"event_id":{{{V()}}},"context":{{{V()}}}}""";
        return random.Next(3) switch
        {
            0 => $$$"""{"events":[{{{ev}}},{{{ev}}}]}""",
            1 => $$"""{"user_id":{{V()}},"item_ids":{{V()}},"k":{{V()}},"profile":{{V()}},"recent_events":[{{ev}}],"categories":{{V()}},"per_field":{{V()}},"n_per":{{V()}}}""",
            _ => $$$"""{"items":[{"item_id":{{{V()}}},"features":{{{V()}}},"metadata":{{{V()}}},"available":{{{V()}}}}],"features":{{{V()}}},"available":{{{V()}}},"version":{{{V()}}}}""",
        };
    }

    private static string RandomJson(Random random, int depth) => random.Next(3) switch
    {
        0 => RandomValue(random, depth),
        1 => "{" + string.Join(",", Enumerable.Range(0, random.Next(4)).Select(_ => $"{Quote(Texts[random.Next(Texts.Length)])}:{RandomValue(random, depth + 1)}")) + "}",
        _ => "[" + string.Join(",", Enumerable.Range(0, random.Next(4)).Select(_ => RandomValue(random, depth + 1))) + "]",
    };

    private static string RandomValue(Random random, int depth) => random.Next(depth > 3 ? 4 : 6) switch
    {
        0 => Quote(Texts[random.Next(Texts.Length)]),
        1 => Numbers[random.Next(Numbers.Length)],
        2 => random.Next(2) == 0 ? "true" : "null",
        3 => Quote(new string((char)random.Next(0x20, 0x7e), random.Next(0, 600))),
        4 => "{" + string.Join(",", Enumerable.Range(0, random.Next(3)).Select(_ => $"{Quote(Texts[random.Next(Texts.Length)])}:{RandomValue(random, depth + 1)}")) + "}",
        _ => "[" + string.Join(",", Enumerable.Range(0, random.Next(3)).Select(_ => RandomValue(random, depth + 1))) + "]",
    };

    private static string Quote(string s) => JsonSerializer.Serialize(s);

    private static string Truncate(Random random, string json) => json.Length < 2 ? json : json[..random.Next(1, json.Length)];

    private static async Task<string> Describe(HttpContent content)
    {
        string text = await content.ReadAsStringAsync();
        return text.Length <= 300 ? text : text[..300] + $"… ({text.Length} chars)";
    }
}
