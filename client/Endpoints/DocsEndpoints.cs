using System.Net;
using System.Text;

namespace OrleansReco.Gateway.Endpoints;

/// <summary><c>GET /docs</c>: a small HTML page listing the endpoints with a curl example each (the full schema is at <c>/openapi/v1.json</c>).</summary>
public static class DocsEndpoints
{
    private sealed record Doc(string Method, string Path, string Scope, string What, string Curl);

    private const string Base = "http://localhost:5000";

    private static readonly Doc[] Docs =
    [
        new("POST", "/v1/events", "write", "Record a batch of events (all or nothing: one bad event refuses the batch). 202 {accepted, duplicates, rejected}.",
            $$$"""curl -X POST {{{Base}}}/v1/events -H "X-Api-Key: $KEY" -H 'Content-Type: application/json' -d '{"events":[{"event_id":"e1","user_id":"u1","item_id":"i1","type":"purchase","timestamp":"2026-01-31T12:00:00Z"}]}'"""),
        new("GET", "/v1/users/{id}/recommendations", "read", "Top-k for a user. Query: k, exclude_seen, categories, exclude_categories, per_field, n_per.",
            $"""curl "{Base}/v1/users/u1/recommendations?k=5&categories=a,b&per_field=category&n_per=2" -H "X-Api-Key: $KEY" """),
        new("POST", "/v1/recommendations", "read", "Top-k for an anonymous user from profile features and/or recent events.",
            $$$"""curl -X POST {{{Base}}}/v1/recommendations -H "X-Api-Key: $KEY" -H 'Content-Type: application/json' -d '{"profile":{"age_group":"18-25"},"recent_events":[{"item_id":"i1","type":"view"}],"k":5}'"""),
        new("GET", "/v1/items/{id}/similar", "read", "Items nearest to an item (404 for an unknown item). Query: k.",
            $"""curl "{Base}/v1/items/i1/similar?k=5" -H "X-Api-Key: $KEY" """),
        new("POST", "/v1/scores", "read", "Scores of user–item pairs; null for an unknown item.",
            $$$"""curl -X POST {{{Base}}}/v1/scores -H "X-Api-Key: $KEY" -H 'Content-Type: application/json' -d '{"user_id":"u1","item_ids":["i1","i2"]}'"""),
        new("PUT", "/v1/items/{id}", "catalogue", "Add (201) or replace (200) an item: features, metadata, available.",
            $$$"""curl -X PUT {{{Base}}}/v1/items/i1 -H "X-Api-Key: $KEY" -H 'Content-Type: application/json' -d '{"features":{"category":"a","price":12.5},"available":true}'"""),
        new("POST", "/v1/items", "catalogue", "Add or replace many items.",
            $$$"""curl -X POST {{{Base}}}/v1/items -H "X-Api-Key: $KEY" -H 'Content-Type: application/json' -d '{"items":[{"item_id":"i2","features":{"category":"b"}}]}'"""),
        new("DELETE", "/v1/items/{id}", "catalogue", "Remove an item (204; 404 when absent).", $"""curl -X DELETE {Base}/v1/items/i2 -H "X-Api-Key: $KEY" """),
        new("GET", "/v1/items/{id}", "read", "An item as stored (404 when absent).", $"""curl {Base}/v1/items/i1 -H "X-Api-Key: $KEY" """),
        new("GET", "/v1/items", "read", "Browse by item id. Query: category, limit (1–1000, default 50), offset.",
            $"""curl "{Base}/v1/items?category=a&limit=20&offset=0" -H "X-Api-Key: $KEY" """),
        new("PUT", "/v1/users/{id}", "write", "Replace a user's profile features.",
            $$$"""curl -X PUT {{{Base}}}/v1/users/u1 -H "X-Api-Key: $KEY" -H 'Content-Type: application/json' -d '{"features":{"age_group":"26-40"}}'"""),
        new("GET", "/v1/users/{id}", "users:read", "Profile, recent history (newest last), event count, model version (404 for a user never written).",
            $"""curl {Base}/v1/users/u1 -H "X-Api-Key: $KEY" """),
        new("GET", "/v1/model", "read", "Current model, history, trainer status (null when no silo can train).", $"""curl {Base}/v1/model -H "X-Api-Key: $KEY" """),
        new("POST", "/v1/model/retrain", "admin", "Start a training run (202; 503 when no silo can train).", $"""curl -X POST {Base}/v1/model/retrain -H "X-Api-Key: $KEY" """),
        new("POST", "/v1/model/publish", "admin", "Make a stored version current again (404 for an unknown version).",
            $$$"""curl -X POST {{{Base}}}/v1/model/publish -H "X-Api-Key: $KEY" -H 'Content-Type: application/json' -d '{"version":"v1"}'"""),
        new("GET", "/healthz", "none", "Liveness.", $"curl {Base}/healthz"),
        new("GET", "/readyz", "none", "Readiness: cluster reachable and a model loaded (503 with the reason otherwise).", $"curl {Base}/readyz"),
        new("GET", "/metrics", "none", "Prometheus metrics.", $"curl {Base}/metrics"),
        new("GET", "/openapi/v1.json", "none", "The OpenAPI document.", $"curl {Base}/openapi/v1.json"),
    ];

    public static IEndpointRouteBuilder MapDocsEndpoints(this IEndpointRouteBuilder app)
    {
        string html = Render();
        app.MapGet("/docs", () => Results.Content(html, "text/html; charset=utf-8")).ExcludeFromDescription();
        return app;
    }

    private static string Render()
    {
        var s = new StringBuilder();
        s.Append("""
            <!doctype html><html lang="en"><head><meta charset="utf-8"><title>OrleansReco HTTP API</title>
            <style>body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem}code,pre{background:#f4f4f4}
            pre{padding:.5rem;overflow-x:auto;white-space:pre-wrap}h2{font-size:1.05rem;margin-top:1.5rem}.scope{color:#666;font-weight:normal}</style></head><body>
            <h1>OrleansReco HTTP API</h1>
            <p>JSON with snake_case names. Send the key in header <code>X-Api-Key</code> (scopes: read; write, catalogue and users:read each include read; admin includes all).
            Errors are <code>application/problem+json</code>; bad fields are listed under <code>errors</code>.
            The schema: <a href="/openapi/v1.json">/openapi/v1.json</a>.</p>
            """);
        foreach (var d in Docs)
        {
            s.Append("<h2><code>").Append(d.Method).Append(' ').Append(WebUtility.HtmlEncode(d.Path)).Append("</code> <span class=\"scope\">scope: ")
                .Append(d.Scope).Append("</span></h2><p>").Append(WebUtility.HtmlEncode(d.What)).Append("</p><pre>")
                .Append(WebUtility.HtmlEncode(d.Curl.Trim())).Append("</pre>\n");
        }
        s.Append("</body></html>\n");
        return s.ToString();
    }
}
