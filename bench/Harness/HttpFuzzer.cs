using System.Collections.Concurrent;
using System.Net;
using System.Text;
using System.Text.Json;
using OrleansReco.LocalCluster;

namespace OrleansReco.Harness;

/// <summary>What a fuzz run saw: answers by status, any 5xx (with the body sent), and the event ids of every 202 batch.</summary>
public sealed record FuzzResult(int Requests, IReadOnlyDictionary<int, int> ByStatus, IReadOnlyList<string> ServerErrors, IReadOnlyDictionary<string, string> Accepted);

/// <summary>
/// Seeded bad and good requests against a gateway, in the manner of the gateway tests' fuzzer but over a real
/// socket and in parallel: random and truncated JSON, wrong types, huge strings, deep nesting, NaN/Infinity,
/// Arabic and emoji, negative and overflowing numbers, binary bodies, wrong content types, and valid event batches
/// with unique event ids (some sent twice). No answer may be a 5xx; every event of a 202 must be stored once.
/// </summary>
public static class HttpFuzzer
{
    private static readonly string[] Texts = ["", " ", "NaN", "Infinity", "null", "مرحبا بالعالم", "🎉👍🏽🚀", "a\u0000b", "view", "purchase", "x\"y", "\\", "1.5"];
    private static readonly string[] Numbers = ["0", "-1", "1.5", "-0", "1e308", "1e309", "-1e400", "123456789012345678901234567890", "9223372036854775808", "3.4e39"];
    private static readonly (string Method, string Url)[] Targets =
    [
        ("POST", "/v1/events"), ("POST", "/v1/events"), ("POST", "/v1/recommendations"), ("POST", "/v1/scores"), ("PUT", "/v1/items/fz-item"),
        ("POST", "/v1/items"), ("PUT", "/v1/users/fz-user"), ("GET", "/v1/users/{0}/recommendations?k={1}"), ("GET", "/v1/users/{0}"),
        ("GET", "/v1/items/{0}/similar?k={1}"),
    ];

    public static async Task<FuzzResult> RunAsync(GatewayClient client, int requests, int seed, int concurrency = 8, CancellationToken cancellation = default)
    {
        var byStatus = new ConcurrentDictionary<int, int>();
        var errors = new ConcurrentQueue<string>();
        var accepted = new ConcurrentDictionary<string, string>(StringComparer.Ordinal);
        var sentBodies = new ConcurrentQueue<string>();
        await Parallel.ForAsync(0, requests, new ParallelOptions { MaxDegreeOfParallelism = concurrency, CancellationToken = cancellation }, async (n, token) =>
        {
            var random = new Random(HashCode.Combine(seed, n));
            var (method, url) = Targets[random.Next(Targets.Length)];
            url = string.Format(System.Globalization.CultureInfo.InvariantCulture, url, Uri.EscapeDataString(Texts[random.Next(Texts.Length)] + "x"), Numbers[random.Next(Numbers.Length)]);
            bool events = url == "/v1/events";
            string? validBatch = events && random.Next(3) == 0 ? ValidEvents(random, n) : null;
            if (validBatch is null && events && random.Next(10) == 0 && sentBodies.TryPeek(out var again)) validBatch = again;
            HttpContent? content = method == "GET" ? null : validBatch is not null ? Json(validBatch) : Body(random);
            using var request = new HttpRequestMessage(new HttpMethod(method), url) { Content = content };
            string shown = content is null ? "" : Shorten(await content.ReadAsStringAsync(token));
            var (status, body) = await client.SendAsync(request, token);
            byStatus.AddOrUpdate((int)status, 1, (_, c) => c + 1);
            if ((int)status >= 500) errors.Enqueue($"{method} {url} → {(int)status} for {shown}: {Shorten(body)}");
            if (validBatch is not null && status == HttpStatusCode.Accepted)
            {
                sentBodies.Enqueue(validBatch);
                using var doc = JsonDocument.Parse(validBatch);
                foreach (var e in doc.RootElement.GetProperty("events").EnumerateArray())
                    accepted[e.GetProperty("event_id").GetString()!] = e.GetProperty("user_id").GetString()!;
            }
        });
        return new FuzzResult(requests, byStatus, errors.ToArray(), accepted);
    }

    private static string ValidEvents(Random random, int n)
    {
        var events = Enumerable.Range(0, random.Next(1, 6)).Select(i =>
            $$"""{"event_id":"fz-{{n}}-{{i}}","user_id":"fz-u{{random.Next(40)}}","item_id":"item-{{random.Next(30)}}","type":"{{(random.Next(2) == 0 ? "view" : "purchase")}}","timestamp":{{1_700_000_000 + n}}}""");
        return "{\"events\":[" + string.Join(",", events) + "]}";
    }

    private static HttpContent Body(Random random)
    {
        switch (random.Next(10))
        {
            case 0:
                var garbage = new byte[random.Next(1, 4096)];
                random.NextBytes(garbage);
                var binary = new ByteArrayContent(garbage);
                binary.Headers.ContentType = new(random.Next(2) == 0 ? "application/json" : "application/octet-stream");
                return binary;
            case 1: return Json(new string('[', 5_000) + new string(']', 5_000));
            case 2: return Json($$"""{"events":[{"user_id":"{{new string('u', 200_000)}}","item_id":"i","type":"view"}],"k":1}""");
            case 3: return Json("""{"k":"NaN","value":Infinity,"events":[{"user_id":"u","item_id":"i","type":"view","value":NaN}],"item_ids":["NaN"]}""");
            case 4: return Json("""{"profile":{"name":"مرحبا 🎉"},"features":{"title":"عربي 👍🏽","price":-1e308},"user_id":"مستخدم","item_ids":["🎉"]}""");
            case 5: return new StringContent("user_id=u&item_id=i", Encoding.UTF8, "application/x-www-form-urlencoded");
            case 6: { string t = RandomJson(random, 0); return Json(t.Length < 2 ? t : t[..random.Next(1, t.Length)]); }
            default: return Json(RandomJson(random, 0));
        }
    }

    private static StringContent Json(string text) => new(text, Encoding.UTF8, "application/json");

    private static string RandomJson(Random random, int depth) => random.Next(depth > 3 ? 3 : 5) switch
    {
        0 => JsonSerializer.Serialize(Texts[random.Next(Texts.Length)]),
        1 => Numbers[random.Next(Numbers.Length)],
        2 => random.Next(2) == 0 ? "true" : "null",
        3 => "{" + string.Join(",", Enumerable.Range(0, random.Next(4)).Select(_ =>
            $"{JsonSerializer.Serialize(Fields[random.Next(Fields.Length)])}:{RandomJson(random, depth + 1)}")) + "}",
        _ => "[" + string.Join(",", Enumerable.Range(0, random.Next(4)).Select(_ => RandomJson(random, depth + 1))) + "]",
    };

    private static readonly string[] Fields = ["events", "user_id", "item_id", "type", "value", "timestamp", "event_id", "k", "items", "features", "profile", "item_ids", "recent_events"];

    private static string Shorten(string text) => text.Length <= 200 ? text : text[..200] + $"… ({text.Length} chars)";
}
