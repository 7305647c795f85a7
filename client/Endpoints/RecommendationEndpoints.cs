using System.Text.Json;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using OrleansReco.GrainInterfaces;
using OrleansReco.GrainInterfaces.Events;
using OrleansReco.Gateway.Hosting;
using OrleansReco.Gateway.Http;
using OrleansReco.Gateway.Security;

namespace OrleansReco.Gateway.Endpoints;

/// <summary>Reads: recommendations for a user or an anonymous profile, similar items, user–item scores.</summary>
public static class RecommendationEndpoints
{
    public static IEndpointRouteBuilder MapRecommendationEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/v1").RequireScope(ApiScope.Read).WithTags("recommendations");
        group.MapGet("/users/{id}/recommendations", RecommendForUserAsync)
            .WithSummary("Top-k items for a user (a user never seen gets a cold-start answer); context.NAME=value query keys feed context rules")
            .Produces<RecommendationsOutput>().ProducesValidationProblem();
        group.MapPost("/recommendations", RecommendForProfileAsync)
            .WithSummary("Top-k items for an anonymous user described by profile features and/or recent events")
            .Accepts<ProfileRecommendInput>("application/json")
            .Produces<RecommendationsOutput>().ProducesValidationProblem();
        group.MapPost("/users/encode", EncodeAsync)
            .WithSummary("The user-tower embedding of a stored user (user_id) or of an anonymous one (profile and/or recent_events)")
            .Accepts<EncodeInput>("application/json")
            .Produces<EncodeOutput>().ProducesValidationProblem();
        group.MapGet("/items/{id}/similar", SimilarAsync)
            .WithSummary("Items nearest to an item (the item itself excluded)")
            .Produces<RecommendationsOutput>().ProducesValidationProblem().ProducesProblem(StatusCodes.Status404NotFound);
        group.MapPost("/scores", ScoresAsync)
            .WithSummary("Scores of user–item pairs (null for an unknown item)")
            .Accepts<ScoresInput>("application/json")
            .Produces<ScoresOutput>().ProducesValidationProblem();
        return app;
    }

    private static async Task<IResult> RecommendForUserAsync(
        string id, HttpRequest request, IGrainFactory grains, IOptions<GatewayOptions> options,
        [FromQuery] string? k, [FromQuery(Name = "exclude_seen")] string? excludeSeen, [FromQuery] string? categories,
        [FromQuery(Name = "exclude_categories")] string? excludeCategories, [FromQuery(Name = "per_field")] string? perField, [FromQuery(Name = "n_per")] string? nPer)
    {
        // The parameters above name the query keys in the OpenAPI document; the values are parsed from the raw query
        // so that a bad one is reported by name.
        _ = (k, excludeSeen, categories, excludeCategories, perField, nPer);
        var errors = new List<FieldError>();
        Ids.Check(id, "id", errors);
        var query = QueryInput.FromQuery(request.Query, errors).ToQuery(options.Value.MaxK, errors);
        if (errors.Count > 0) return Problems.Validation(errors);
        var answer = await grains.Recommender(ItemSharding.DefaultCatalog, spreadBy: id).RecommendAsync(id, query);
        return Results.Ok(RecommendationsOutput.From(answer, userId: id));
    }

    private static async Task<IResult> RecommendForProfileAsync(HttpContext context, IGrainFactory grains, IOptions<GatewayOptions> options)
    {
        var o = options.Value;
        var (body, error) = await JsonBody.ReadAsync(context.Request, o.MaxRequestBytes, (root, fields) =>
        {
            var (profile, recent, input) = ReadProfileRecommend(root, o, fields);
            return (Profile: profile, Recent: recent, Input: input, Query: input.ToQuery(o.MaxK, fields.Errors));
        });
        if (error is not null) return error;
        if (body.Input.RulesJson is not null && !ApiKeyMiddleware.Grants(context, ApiScope.Admin))
            return Problems.Status(StatusCodes.Status403Forbidden, "Scope too low",
                "Per-query rules (rules) need a key with scope admin; silo-wide rules (Reco:Recommend:RulesJson) apply to every key.");
        var answer = await grains.Recommender(ItemSharding.DefaultCatalog, spreadBy: context.TraceIdentifier).RecommendForProfileAsync(body.Profile, body.Recent, body.Query);
        return Results.Ok(RecommendationsOutput.From(answer));
    }

    /// <summary>The body of <c>POST /v1/recommendations</c> (documented by <see cref="ProfileRecommendInput"/>).</summary>
    internal static (Dictionary<string, string>? Profile, UserEvent[]? Recent, QueryInput Query) ReadProfileRecommend(JsonElement root, GatewayOptions o, JsonFields fields)
    {
        if (!fields.RequireObject(root, "body")) return (null, null, new QueryInput(null, null, null, null, null, null));
        var (profile, recent) = ReadAnonymousUser(root, o, fields);
        var input = new QueryInput(
            fields.Integer(root, "k", "k", int.MinValue, int.MaxValue),
            fields.Boolean(root, "exclude_seen", "exclude_seen"),
            fields.StringList(root, "categories", "categories"),
            fields.StringList(root, "exclude_categories", "exclude_categories"),
            fields.String(root, "per_field", "per_field", required: false),
            fields.Integer(root, "n_per", "n_per", int.MinValue, int.MaxValue),
            fields.StringMap(root, "context", "context"),
            fields.Rules(root, "rules", "rules"));
        return (profile, recent, input);
    }

    /// <summary>An anonymous user as a body describes it: <c>profile</c> and/or <c>recent_events</c>.</summary>
    internal static (Dictionary<string, string>? Profile, UserEvent[]? Recent) ReadAnonymousUser(JsonElement root, GatewayOptions o, JsonFields fields)
    {
        var profile = fields.StringMap(root, "profile", "profile");
        UserEvent[]? recent = null;
        if (fields.Has(root, "recent_events", "recent_events", out var events))
        {
            var now = DateTimeOffset.UtcNow;
            recent = EventReader.ReadRecent(events, o.MaxBatch, now.ToUnixTimeSeconds(), EventValidation.Latest(now, o.MaxFutureSkew), fields);
        }
        return (profile, recent);
    }

    private static async Task<IResult> EncodeAsync(HttpRequest request, IGrainFactory grains, IOptions<GatewayOptions> options)
    {
        var o = options.Value;
        var ((userId, profile, recent), error) = await JsonBody.ReadAsync(request, o.MaxRequestBytes, (root, fields) => ReadEncode(root, o, fields));
        if (error is not null) return error;
        var embedding = userId is not null
            ? await grains.User(userId).GetEmbeddingAsync()
            : await grains.Recommender(ItemSharding.DefaultCatalog, spreadBy: request.HttpContext.TraceIdentifier).EncodeProfileAsync(profile, recent);
        return Results.Ok(new EncodeOutput(embedding.Vector, embedding.ModelVersion));
    }

    /// <summary>
    /// The body of <c>POST /v1/users/encode</c> (documented by <see cref="EncodeInput"/>): <c>user_id</c> (a stored user;
    /// one never seen gets the cold-start embedding, as its recommendations do), or <c>profile</c> and/or
    /// <c>recent_events</c> (an anonymous user), never both.
    /// </summary>
    internal static (string? UserId, Dictionary<string, string>? Profile, UserEvent[]? Recent) ReadEncode(JsonElement root, GatewayOptions o, JsonFields fields)
    {
        if (!fields.RequireObject(root, "body")) return (null, null, null);
        string? userId = fields.String(root, "user_id", "user_id", required: false);
        if (userId is not null) Ids.Check(userId, "user_id", fields.Errors);
        var (profile, recent) = ReadAnonymousUser(root, o, fields);
        bool anonymous = JsonFields.TryGet(root, "profile", out _) || JsonFields.TryGet(root, "recent_events", out _);
        bool stored = JsonFields.TryGet(root, "user_id", out _);
        if (stored && anonymous)
            fields.Add("user_id", "Send either user_id (a stored user) or profile and/or recent_events (an anonymous user), not both.");
        else if (!stored && !anonymous)
            fields.Add("user_id", "Send user_id (a stored user), or profile and/or recent_events (an anonymous user).");
        return (userId, profile, recent);
    }

    private static async Task<IResult> SimilarAsync(string id, HttpRequest request, IGrainFactory grains, IOptions<GatewayOptions> options, [FromQuery] string? k)
    {
        _ = k;
        var errors = new List<FieldError>();
        Ids.Check(id, "id", errors);
        var input = QueryInput.FromQuery(request.Query, errors);
        var query = input.ToQuery(options.Value.MaxK, errors);
        if (errors.Count > 0) return Problems.Validation(errors);
        var answer = await grains.Recommender(ItemSharding.DefaultCatalog, spreadBy: id).SimilarItemsAsync(id, query with { ExcludeSeen = false });
        return Results.Ok(RecommendationsOutput.From(answer, itemId: id));
    }

    private static async Task<IResult> ScoresAsync(HttpRequest request, IGrainFactory grains, IOptions<GatewayOptions> options)
    {
        var o = options.Value;
        var ((userId, itemIds), error) = await JsonBody.ReadAsync(request, o.MaxRequestBytes, (root, fields) => ReadScores(root, o, fields));
        if (error is not null) return error;
        var scores = await grains.Recommender(ItemSharding.DefaultCatalog, spreadBy: userId).ScoreAsync(userId!, itemIds!);
        return Results.Ok(new ScoresOutput(userId!, scores.Select(s => new ScoreOutput(s.ItemId, s.Score, s.Rating)).ToArray()));
    }

    /// <summary>The body of <c>POST /v1/scores</c> (documented by <see cref="ScoresInput"/>).</summary>
    internal static (string? UserId, string[]? ItemIds) ReadScores(JsonElement root, GatewayOptions o, JsonFields fields)
    {
        if (!fields.RequireObject(root, "body")) return (null, null);
        string? userId = fields.String(root, "user_id", "user_id", required: true);
        if (userId is not null) Ids.Check(userId, "user_id", fields.Errors);
        string[]? itemIds = null;
        if (!fields.Has(root, "item_ids", "item_ids", out var ids)) fields.Add("item_ids", "item_ids is required.");
        else if (ids.ValueKind != JsonValueKind.Array) fields.Add("item_ids", $"Expected an array of item ids, got {JsonFields.Kind(ids)}.");
        else if (ids.GetArrayLength() == 0 || ids.GetArrayLength() > o.MaxBatch) fields.Add("item_ids", $"Send 1 to {o.MaxBatch} item ids (Reco:Gateway:MaxBatch).");
        else
        {
            itemIds = new string[ids.GetArrayLength()];
            int i = 0;
            foreach (var v in ids.EnumerateArray())
            {
                if (v.ValueKind == JsonValueKind.String) { itemIds[i] = v.GetString()!; Ids.Check(itemIds[i], $"item_ids[{i}]", fields.Errors); }
                else fields.Add($"item_ids[{i}]", $"Expected a string, got {JsonFields.Kind(v)}.");
                i++;
            }
        }
        return (userId, itemIds);
    }
}
