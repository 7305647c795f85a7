namespace OrleansReco.GrainInterfaces;

/// <summary>Whether a field rule keeps only the listed values or drops them.</summary>
[GenerateSerializer, Alias("reco.FieldRuleKind")]
public enum FieldRuleKind
{
    Require = 0,
    Exclude = 1,
}

/// <summary>A constraint on one item field (metadata or feature), compared case-insensitively.</summary>
[GenerateSerializer, Immutable, Alias("reco.FieldRule")]
public sealed record FieldRule(
    [property: Id(0)] string Field,
    [property: Id(1)] FieldRuleKind Kind,
    [property: Id(2)] string[] Values)
{
    /// <summary>Only items whose <paramref name="field"/> is one of <paramref name="values"/>.</summary>
    public static FieldRule Require(string field, params string[] values) => new(field, FieldRuleKind.Require, values);

    /// <summary>No item whose <paramref name="field"/> is one of <paramref name="values"/>.</summary>
    public static FieldRule Exclude(string field, params string[] values) => new(field, FieldRuleKind.Exclude, values);

    /// <summary>The same rule as the index filters apply it.</summary>
    public Core.Serving.FieldConstraint ToConstraint() =>
        new(Field, Kind == FieldRuleKind.Exclude ? Core.Serving.ConstraintKind.Exclude : Core.Serving.ConstraintKind.Require, Values);
}

/// <summary>
/// How to recommend: how many, what to filter (all applied inside each shard's index walk, so K results survive),
/// at most <paramref name="LimitPerValue"/> items per value of <paramref name="LimitField"/> (e.g. 2 per
/// <c>product_type</c>), request <paramref name="Context"/> for <c>context.*</c> rules, extra rules as JSON
/// (see <c>RuleSet</c>), and a deadline for the shards (null: the silo's default).
/// </summary>
[GenerateSerializer, Immutable, Alias("reco.RecommendQuery")]
public sealed record RecommendQuery(
    [property: Id(0)] int K = 10,
    [property: Id(1)] bool ExcludeSeen = true,
    [property: Id(2)] bool OnlyAvailable = true,
    [property: Id(3)] FieldRule[]? Rules = null,
    [property: Id(4)] string? LimitField = null,
    [property: Id(5)] int LimitPerValue = 0,
    [property: Id(6)] string[]? ExcludeItemIds = null,
    [property: Id(7)] Dictionary<string, string>? Context = null,
    [property: Id(8)] string? RulesJson = null,
    [property: Id(9)] TimeSpan? Deadline = null)
{
    public static readonly RecommendQuery Default = new();
}

/// <summary>One recommended item; <paramref name="Group"/> is its value of the query's limit field, if any.</summary>
[GenerateSerializer, Immutable, Alias("reco.RecommendedItem")]
public sealed record RecommendedItem(
    [property: Id(0)] string ItemId,
    [property: Id(1)] float Score,
    [property: Id(2)] string? Group = null);

/// <summary>
/// A recommendation list, best first. <paramref name="Partial"/> is true when some shard missed the deadline or
/// failed; <paramref name="AnsweredShards"/> names the shards whose items were considered.
/// </summary>
[GenerateSerializer, Immutable, Alias("reco.Recommendations")]
public sealed record Recommendations(
    [property: Id(0)] RecommendedItem[] Items,
    [property: Id(1)] string ModelVersion,
    [property: Id(2)] bool Partial,
    [property: Id(3)] int[] AnsweredShards,
    [property: Id(4)] int ShardCount,
    [property: Id(5)] string[] AppliedRules);

/// <summary>A user–item score (cosine of the two embeddings) and, for rating-trained models, a rating estimate.
/// Null score: the item is not in the catalogue.</summary>
[GenerateSerializer, Immutable, Alias("reco.ItemScore")]
public sealed record ItemScore(
    [property: Id(0)] string ItemId,
    [property: Id(1)] float? Score,
    [property: Id(2)] float? Rating = null);

/// <summary>
/// A query as one shard receives it: the vector and the filter, already combined with the rules.
/// <paramref name="ModelVersion"/>: the model the vector was computed with; a shard answers from its index for that
/// version when it has one (null: its current index).
/// </summary>
[GenerateSerializer, Immutable, Alias("reco.ShardQuery")]
public sealed record ShardQuery(
    [property: Id(0)] float[] Vector,
    [property: Id(1)] int K,
    [property: Id(2)] bool OnlyAvailable,
    [property: Id(3)] string[] ExcludedItemIds,
    [property: Id(4)] FieldRule[] Rules,
    [property: Id(5)] string? LimitField,
    [property: Id(6)] int LimitPerValue,
    [property: Id(7)] string? ModelVersion = null);

/// <summary>One shard's best items for a query, best first.</summary>
[GenerateSerializer, Immutable, Alias("reco.ShardAnswer")]
public sealed record ShardAnswer(
    [property: Id(0)] int Shard,
    [property: Id(1)] RecommendedItem[] Items,
    [property: Id(2)] string ModelVersion);
