using System.Text.Json.Serialization;
using OrleansReco.GrainInterfaces;

namespace OrleansReco.Gateway.Endpoints;

// Shapes of the HTTP API. Property names are written in snake_case (see GatewayHostingExtensions); null members
// are left out unless marked otherwise.

/// <summary>Answer to an accepted event batch: every event was persisted by its user grain or was a repeat.</summary>
public sealed record EventsAccepted(int Accepted, int Duplicates, int Rejected);

/// <summary>An event as sent in <c>POST /v1/events</c>. The body is read field by field (so that every bad field is named);
/// a test checks that the reader and these records name the same fields. Why the HTTP shapes of an event are their own
/// types: docs/event-shapes.md.</summary>
public sealed record EventInput(string UserId, string ItemId, string Type, string? EventId = null, double? Value = null, object? Timestamp = null, Dictionary<string, object>? Context = null);

public sealed record EventBatchInput(EventInput[] Events);

public sealed record RecommendedItemOutput(string ItemId, float Score, string? Group);

public sealed record RecommendationsOutput(
    string? UserId, string? ItemId, RecommendedItemOutput[] Items, string ModelVersion, bool Partial, int ShardCount, int AnsweredShards, string[] AppliedRules)
{
    public static RecommendationsOutput From(Recommendations r, string? userId = null, string? itemId = null) => new(
        userId, itemId, r.Items.Select(i => new RecommendedItemOutput(i.ItemId, i.Score, i.Group)).ToArray(),
        r.ModelVersion, r.Partial, r.ShardCount, r.AnsweredShards.Length, r.AppliedRules);
}

/// <summary>A recent event of an anonymous user: an event without user and event ids.</summary>
public sealed record RecentEventInput(string ItemId, string Type, double? Value = null, object? Timestamp = null);

/// <summary>
/// A business rule sent with a query (admin keys only): when every <c>when</c> condition (<c>profile.x</c>,
/// <c>context.y</c>) matches, keep only (<c>require</c>) or drop (<c>exclude</c>) the listed values of one item field.
/// </summary>
public sealed record RuleInput(Dictionary<string, string> When, string? Name = null, Dictionary<string, string[]>? Require = null, Dictionary<string, string[]>? Exclude = null);

/// <summary>Body of <c>POST /v1/recommendations</c>.</summary>
public sealed record ProfileRecommendInput(Dictionary<string, string>? Profile = null, RecentEventInput[]? RecentEvents = null, int? K = null, bool? ExcludeSeen = null, string[]? Categories = null, string[]? ExcludeCategories = null, string? PerField = null, int? NPer = null, Dictionary<string, string>? Context = null, RuleInput[]? Rules = null);

/// <summary>Body of <c>POST /v1/users/encode</c>: <c>user_id</c>, or <c>profile</c> and/or <c>recent_events</c>.</summary>
public sealed record EncodeInput(string? UserId = null, Dictionary<string, string>? Profile = null, RecentEventInput[]? RecentEvents = null);

/// <summary>A user-tower embedding (L2-normalised) and the model version it was computed with.</summary>
public sealed record EncodeOutput(float[] Embedding, string ModelVersion);

public sealed record ScoresInput(string UserId, string[] ItemIds);

public sealed record ScoreOutput(string ItemId, [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] float? Score, float? Rating);

public sealed record ScoresOutput(string UserId, ScoreOutput[] Scores);

/// <summary>Body of <c>PUT /v1/items/{id}</c> (the id is in the path).</summary>
public sealed record ItemPutInput(Dictionary<string, string>? Features = null, Dictionary<string, string>? Metadata = null, bool? Available = null);

public sealed record ItemInput(string ItemId, Dictionary<string, string>? Features = null, Dictionary<string, string>? Metadata = null, bool? Available = null);

public sealed record ItemBatchInput(ItemInput[] Items);

public sealed record ItemOutput(string ItemId, Dictionary<string, string> Features, Dictionary<string, string> Metadata, bool Available)
{
    public static ItemOutput From(CatalogItem i) => new(i.ItemId, i.Features ?? [], i.Metadata ?? [], i.Available);
}

public sealed record ItemUpserted(string ItemId, bool Created);

public sealed record ItemsUpserted(int Added, int Updated, int Rejected);

public sealed record ItemListOutput(ItemOutput[] Items, int Total, int Offset, int Limit);

public sealed record ProfileInput(Dictionary<string, string> Features);

public sealed record ProfileSaved(string UserId, Dictionary<string, string> Features, string ModelVersion);

/// <summary>A remembered event in <c>GET /v1/users/{id}</c> (the HTTP shape; docs/event-shapes.md).</summary>
public sealed record HistoryEventOutput(string ItemId, string Type, float Value, long Timestamp, string? EventId);

public sealed record UserOutput(string UserId, Dictionary<string, string> Profile, HistoryEventOutput[] History, long EventCount, string ModelVersion);

public sealed record ModelOutput(
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] ModelVersionInfo? Current,
    ModelVersionInfo[] History,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] TrainerStatus? Trainer,
    string? TrainerError);

public sealed record PublishInput(string Version);
