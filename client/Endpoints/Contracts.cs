using System.Text.Json.Serialization;
using OrleansReco.GrainInterfaces;

namespace OrleansReco.Gateway.Endpoints;

// Shapes of the HTTP API. Property names are written in snake_case (see GatewayHostingExtensions); null members
// are left out unless marked otherwise.

/// <summary>Answer to an accepted event batch: every event was persisted by its user grain or was a repeat.</summary>
public sealed record EventsAccepted(int Accepted, int Duplicates, int Rejected);

/// <summary>An event as sent in <c>POST /v1/events</c> (for the OpenAPI document; the body is read field by field).</summary>
public sealed record EventInput(string? EventId, string UserId, string ItemId, string Type, double? Value, object? Timestamp, Dictionary<string, string>? Context);

public sealed record EventBatchInput(EventInput[] Events);

public sealed record RecommendedItemOutput(string ItemId, float Score, string? Group);

public sealed record RecommendationsOutput(
    string? UserId, string? ItemId, RecommendedItemOutput[] Items, string ModelVersion, bool Partial, int ShardCount, int AnsweredShards, string[] AppliedRules)
{
    public static RecommendationsOutput From(Recommendations r, string? userId = null, string? itemId = null) => new(
        userId, itemId, r.Items.Select(i => new RecommendedItemOutput(i.ItemId, i.Score, i.Group)).ToArray(),
        r.ModelVersion, r.Partial, r.ShardCount, r.AnsweredShards.Length, r.AppliedRules);
}

/// <summary>Body of <c>POST /v1/recommendations</c> (OpenAPI only).</summary>
public sealed record ProfileRecommendInput(
    Dictionary<string, string>? Profile, EventInput[]? RecentEvents, int? K, bool? ExcludeSeen,
    string[]? Categories, string[]? ExcludeCategories, string? PerField, int? NPer);

public sealed record ScoresInput(string UserId, string[] ItemIds);

public sealed record ScoreOutput(string ItemId, [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] float? Score, float? Rating);

public sealed record ScoresOutput(string UserId, ScoreOutput[] Scores);

public sealed record ItemInput(string? ItemId, Dictionary<string, string>? Features, Dictionary<string, string>? Metadata, bool? Available);

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

public sealed record HistoryEventOutput(string ItemId, string Type, float Value, long Timestamp, string? EventId);

public sealed record UserOutput(string UserId, Dictionary<string, string> Profile, HistoryEventOutput[] History, long EventCount, string ModelVersion);

public sealed record ModelOutput(
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] ModelVersionInfo? Current,
    ModelVersionInfo[] History,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] TrainerStatus? Trainer,
    string? TrainerError);

public sealed record PublishInput(string Version);
