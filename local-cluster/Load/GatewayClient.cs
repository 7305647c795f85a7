using System.Buffers;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace OrleansReco.LocalCluster;

/// <summary>One event as the load sends it (<c>POST /v1/events</c>).</summary>
public sealed record LoadEvent(string EventId, string UserId, string ItemId, string Type, long Timestamp);

/// <summary>The answer to <c>POST /v1/events</c>: its status and, for a 503, the users whose events were persisted.</summary>
public sealed record EventsAnswer(HttpStatusCode Status, IReadOnlyList<string> PersistedUsers);

/// <summary>A recommendation answer reduced to what the checks compare.</summary>
public sealed record RecommendationAnswer(string[] ItemIds, string ModelVersion, bool Partial);

/// <summary>The gateway's HTTP API as the harness uses it; loopback URLs only.</summary>
public sealed class GatewayClient : IDisposable
{
    private readonly HttpClient _http;

    // Property names of POST /v1/events, encoded once.
    private static readonly JsonEncodedText EventsProperty = JsonEncodedText.Encode("events");
    private static readonly JsonEncodedText EventIdProperty = JsonEncodedText.Encode("event_id");
    private static readonly JsonEncodedText UserIdProperty = JsonEncodedText.Encode("user_id");
    private static readonly JsonEncodedText ItemIdProperty = JsonEncodedText.Encode("item_id");
    private static readonly JsonEncodedText TypeProperty = JsonEncodedText.Encode("type");
    private static readonly JsonEncodedText TimestampProperty = JsonEncodedText.Encode("timestamp");

    public GatewayClient(Uri baseAddress, string apiKey, TimeSpan timeout)
    {
        RequireLoopback(baseAddress);
        _http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 256, PooledConnectionLifetime = TimeSpan.FromMinutes(5) })
        {
            BaseAddress = baseAddress,
            Timeout = timeout,
        };
        _http.DefaultRequestHeaders.Add("X-Api-Key", apiKey);
        _http.DefaultRequestHeaders.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
    }

    public Uri BaseAddress => _http.BaseAddress!;

    /// <summary>Throws unless <paramref name="url"/> is http(s) on a loopback address (the load tools never leave this machine).</summary>
    public static void RequireLoopback(Uri url)
    {
        if (!IsLoopbackHttp(url))
            throw new ArgumentException($"The gateway URL must be http(s) on a loopback address (localhost, 127.0.0.1, [::1]), not '{url}'.");
    }

    /// <summary>True for an absolute http(s) URL whose host is a loopback address.</summary>
    public static bool IsLoopbackHttp(Uri url) =>
        url.IsAbsoluteUri && url.Scheme is ("http" or "https")
        && (url.IsLoopback || (IPAddress.TryParse(url.Host.Trim('[', ']'), out var ip) && IPAddress.IsLoopback(ip)));

    /// <summary>Sends a batch; returns the status code (202 = every event persisted).</summary>
    public async Task<HttpStatusCode> PostEventsAsync(IReadOnlyList<LoadEvent> events, CancellationToken cancellation = default) =>
        (await PostEventsAnsweredAsync(events, cancellation)).Status;

    /// <summary>
    /// Sends a batch; returns the status code and, for a 503 (partly recorded), the users whose events the gateway
    /// reports persisted (<c>persisted_users</c>).
    /// </summary>
    public async Task<EventsAnswer> PostEventsAnsweredAsync(IReadOnlyList<LoadEvent> events, CancellationToken cancellation = default)
    {
        // The load generator shares the machine with what it measures: the body is written straight to UTF-8 bytes
        // (no JSON DOM, no intermediate string), and an answer's body is read only when it says something (a 503).
        var body = new ArrayBufferWriter<byte>(64 + 160 * events.Count);
        using (var w = new Utf8JsonWriter(body))
        {
            w.WriteStartObject();
            w.WriteStartArray(EventsProperty);
            foreach (var e in events)
            {
                w.WriteStartObject();
                w.WriteString(EventIdProperty, e.EventId);
                w.WriteString(UserIdProperty, e.UserId);
                w.WriteString(ItemIdProperty, e.ItemId);
                w.WriteString(TypeProperty, e.Type);
                w.WriteNumber(TimestampProperty, e.Timestamp);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
        }
        using var content = new ReadOnlyMemoryContent(body.WrittenMemory);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/events") { Content = content };
        using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellation);
        if (response.StatusCode != HttpStatusCode.ServiceUnavailable) return new EventsAnswer(response.StatusCode, []);
        string text = await response.Content.ReadAsStringAsync(cancellation);
        string[] persisted;
        try
        {
            persisted = JsonNode.Parse(text)?["persisted_users"]?.AsArray().Select(u => (string?)u).OfType<string>().ToArray() ?? [];
        }
        catch (JsonException)
        {
            persisted = [];
        }
        return new EventsAnswer(response.StatusCode, persisted);
    }

    /// <summary>Top-k for a user; throws <see cref="HttpRequestException"/> for any answer but 200.</summary>
    public async Task<RecommendationAnswer> RecommendAsync(string userId, int k, CancellationToken cancellation = default)
    {
        using var response = await _http.GetAsync($"/v1/users/{Uri.EscapeDataString(userId)}/recommendations?k={k}", cancellation);
        var body = await ReadOkAsync(response, cancellation);
        var items = body["items"]!.AsArray().Select(i => (string)i!["item_id"]!).ToArray();
        return new RecommendationAnswer(items, (string?)body["model_version"] ?? "", (bool?)body["partial"] ?? false);
    }

    /// <summary>The event ids in a user's history (oldest first; empty for a user never written); null ids are skipped.</summary>
    public async Task<string[]> HistoryEventIdsAsync(string userId, CancellationToken cancellation = default)
    {
        using var response = await _http.GetAsync($"/v1/users/{Uri.EscapeDataString(userId)}", cancellation);
        if (response.StatusCode == HttpStatusCode.NotFound) return [];
        var body = await ReadOkAsync(response, cancellation);
        return body["history"]!.AsArray().Select(e => (string?)e!["event_id"]).OfType<string>().ToArray();
    }

    /// <summary>Adds or replaces items (<c>POST /v1/items</c>).</summary>
    public async Task UpsertItemsAsync(IEnumerable<(string Id, string Category, double Price)> items, CancellationToken cancellation = default)
    {
        var array = new JsonArray();
        foreach (var (id, category, price) in items)
            array.Add(new JsonObject { ["item_id"] = id, ["features"] = new JsonObject { ["category"] = category, ["price"] = price.ToString(System.Globalization.CultureInfo.InvariantCulture) } });
        using var response = await _http.PostAsync("/v1/items", Json(new JsonObject { ["items"] = array }), cancellation);
        await ReadOkAsync(response, cancellation);
    }

    /// <summary><c>GET /v1/model</c> as JSON.</summary>
    public async Task<JsonNode> ModelAsync(CancellationToken cancellation = default)
    {
        using var response = await _http.GetAsync("/v1/model", cancellation);
        return await ReadOkAsync(response, cancellation);
    }

    /// <summary>Starts a training run (<c>POST /v1/model/retrain</c>); returns the run as JSON.</summary>
    public async Task<JsonNode> RetrainAsync(CancellationToken cancellation = default)
    {
        using var response = await _http.PostAsync("/v1/model/retrain", Json(new JsonObject()), cancellation);
        return await ReadOkAsync(response, cancellation);
    }

    /// <summary>Status and body of any request (for the fuzzer and readiness).</summary>
    public async Task<(HttpStatusCode Status, string Body)> SendAsync(HttpRequestMessage request, CancellationToken cancellation = default)
    {
        using var response = await _http.SendAsync(request, cancellation);
        return (response.StatusCode, await response.Content.ReadAsStringAsync(cancellation));
    }

    public void Dispose() => _http.Dispose();

    private static StringContent Json(JsonNode node) => new(node.ToJsonString(), Encoding.UTF8, "application/json");

    private static async Task<JsonNode> ReadOkAsync(HttpResponseMessage response, CancellationToken cancellation)
    {
        string text = await response.Content.ReadAsStringAsync(cancellation);
        if (!response.IsSuccessStatusCode)
            throw new HttpRequestException($"{response.RequestMessage?.Method} {response.RequestMessage?.RequestUri?.PathAndQuery} answered {(int)response.StatusCode}: {Shorten(text)}", null, response.StatusCode);
        return JsonNode.Parse(text) ?? throw new JsonException($"{response.RequestMessage?.RequestUri?.PathAndQuery}: empty body");
    }

    private static string Shorten(string text) => text.Length <= 300 ? text : text[..300] + "…";
}
