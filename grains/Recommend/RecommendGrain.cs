using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Concurrency;
using OrleansReco.Core.Model;
using OrleansReco.GrainInterfaces;
using OrleansReco.Grains.Items;
using OrleansReco.Grains.Model;
using OrleansReco.Grains.Telemetry;

namespace OrleansReco.Grains.Recommend;

/// <summary>
/// Answers queries for one catalogue (key: catalogue name): gets the query vector, asks all shards in parallel with
/// a deadline, merges their top-K. Stateless, so each silo runs local workers and no call waits on another.
/// </summary>
[StatelessWorker]
public sealed class RecommendGrain(
    IModelProvider models,
    IOptions<ItemShardOptions> shardOptions,
    IOptions<RecommendOptions> options,
    ServingRules rules,
    RecoMetrics metrics,
    TimeProvider time,
    ILogger<RecommendGrain> logger) : Grain, IRecommendGrain
{
    // The key may carry a route number after the catalogue's name (ItemSharding.Recommender).
    private string Catalog => _catalog ??= ItemSharding.CatalogOfRecommender(this.GetPrimaryKeyString());
    private string? _catalog;

    public async Task<Recommendations> RecommendAsync(string userId, RecommendQuery query)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(userId);
        QueryPlan.Validate(query, options.Value.MaxK);
        long start = Stopwatch.GetTimestamp();
        var user = await GrainFactory.User(userId).GetContextAsync();
        var seen = query.ExcludeSeen ? user.SeenItemIds : [];
        return await AnswerAsync("user", start, user.Vector, user.ModelVersion, seen, query, user.Profile);
    }

    public Task<Recommendations> RecommendForProfileAsync(Dictionary<string, string>? profile, UserEvent[]? recentEvents, RecommendQuery query)
    {
        QueryPlan.Validate(query, options.Value.MaxK);
        long start = Stopwatch.GetTimestamp();
        var (vector, version, events) = EmbedProfile(profile, recentEvents);
        var seen = query.ExcludeSeen ? events.Select(e => e.ItemId).ToArray() : [];
        return AnswerAsync("profile", start, vector, version, seen, query, profile);
    }

    public Task<UserEmbedding> EncodeProfileAsync(Dictionary<string, string>? profile, UserEvent[]? recentEvents)
    {
        var (vector, version, _) = EmbedProfile(profile, recentEvents);
        return Task.FromResult(new UserEmbedding(vector, version));
    }

    /// <summary>The current model's user vector from a profile and the newest recent events (as many as the model's history holds).</summary>
    private (float[] Vector, string Version, HistoryEvent[] Events) EmbedProfile(Dictionary<string, string>? profile, UserEvent[]? recentEvents)
    {
        var model = models.Current;
        var events = (recentEvents ?? []).OrderBy(e => e.Timestamp).TakeLast(model.Header.History.Length)
            .Select(e => new HistoryEvent(e.ItemId, e.EventType, e.Value, e.Timestamp)).ToArray();
        var vector = new float[model.Dimension];
        model.EmbedUser(FeatureRows.ToRow(model.UserColumns, profile), events, time.GetUtcNow().ToUnixTimeSeconds(), vector);
        return (vector, model.Version, events);
    }

    public async Task<Recommendations> SimilarItemsAsync(string itemId, RecommendQuery query)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(itemId);
        QueryPlan.Validate(query, options.Value.MaxK);
        long start = Stopwatch.GetTimestamp();
        var shard = GrainFactory.Shard(Catalog, ItemSharding.ShardOf(itemId, shardOptions.Value.Count));
        var vector = await shard.GetVectorAsync(itemId)
            ?? throw new KeyNotFoundException($"Item '{itemId}' is not in catalogue '{Catalog}'.");
        return await AnswerAsync("similar", start, vector, models.Version, [itemId], query, profile: null);
    }

    public async Task<ItemScore[]> ScoreAsync(string userId, string[] itemIds)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(userId);
        ArgumentNullException.ThrowIfNull(itemIds);
        var user = await GrainFactory.User(userId).GetContextAsync();
        int shards = shardOptions.Value.Count;
        var perShard = await Task.WhenAll(itemIds.Distinct(StringComparer.Ordinal)
            .GroupBy(id => ItemSharding.ShardOf(id, shards))
            .Select(g => GrainFactory.Shard(Catalog, g.Key).ScoreAsync(user.Vector, g.ToArray())));
        var byId = perShard.SelectMany(s => s).ToDictionary(s => s.ItemId, StringComparer.Ordinal);
        var model = models.IsLoaded ? models.Current : null;
        return itemIds.Select(id => byId[id] with { Rating = byId[id].Score is { } s ? model?.EstimateRating(s) : null }).ToArray();
    }

    private async Task<Recommendations> AnswerAsync(
        string kind, long start, float[] vector, string version, IEnumerable<string> seen, RecommendQuery query, IReadOnlyDictionary<string, string>? profile)
    {
        using var activity = RecoMetrics.ActivitySource.StartActivity($"recommend.{kind}");
        var shardQuery = QueryPlan.Build(vector, query, seen, rules.Rules, profile, out var applied) with { ModelVersion = version };
        int shards = shardOptions.Value.Count;
        var fanOut = ShardFanOut.SameVersion(
            await ShardFanOut.QueryAsync(GrainFactory, Catalog, QueryPlan.PerShard(shardQuery, shards), query.Deadline ?? options.Value.ShardDeadline, logger),
            version, Catalog, logger);
        var items = QueryPlan.Merge(fanOut.Answers, shardQuery);
        activity?.SetTag("reco.catalog", Catalog);
        activity?.SetTag("reco.shards.answered", fanOut.AnsweredShards.Length);
        activity?.SetTag("reco.partial", fanOut.Partial);
        metrics.RecommendAnswered(kind, Stopwatch.GetElapsedTime(start).TotalMilliseconds, fanOut.Partial);
        return new Recommendations(items, version, fanOut.Partial, fanOut.AnsweredShards, shards, applied);
    }
}
