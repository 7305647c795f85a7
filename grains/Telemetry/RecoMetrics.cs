using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace OrleansReco.Grains.Telemetry;

/// <summary>
/// The silo's instruments on meter <see cref="MeterName"/>: events ingested, embedding refreshes, recommendation
/// latency, items upserted without the model's features, shard sizes, index build time, the current model version
/// and the event-stream consumer (entries by outcome, backlog, batch time). One instance per silo.
/// </summary>
public sealed class RecoMetrics : IDisposable
{
    public const string MeterName = "OrleansReco";

    /// <summary>Activity source for spans opened by the serving grains (fan-out, merge).</summary>
    public static readonly ActivitySource ActivitySource = new(MeterName);

    private readonly Meter _meter;
    private readonly Counter<long> _eventsIngested;
    private readonly Counter<long> _eventsDuplicate;
    private readonly Counter<long> _embeddingRefreshes;
    private readonly Histogram<double> _recommendLatency;
    private readonly Counter<long> _partialAnswers;
    private readonly Counter<long> _searchesCancelled;
    private readonly Counter<long> _itemsMissingFeatures;
    private readonly Histogram<double> _indexBuildTime;
    private readonly Histogram<double> _indexSwapTime;
    private readonly ConcurrentDictionary<(string Catalog, int Shard), (int Items, long Bytes)> _shards = new();
    private (string Version, int Dimension)? _model;
    private readonly Counter<long> _streamEvents;
    private readonly Histogram<double> _streamBatchTime;
    private readonly Counter<long> _streamConsumersRemoved;
    private readonly ConcurrentDictionary<(string Stream, string Group), long> _streamBacklog = new();

    public RecoMetrics(IMeterFactory meters)
    {
        _meter = meters.Create(MeterName);
        _eventsIngested = _meter.CreateCounter<long>("reco.events.ingested", "{event}", "User events accepted (duplicates excluded).");
        _eventsDuplicate = _meter.CreateCounter<long>("reco.events.duplicates", "{event}", "User events ignored because their id was seen.");
        _embeddingRefreshes = _meter.CreateCounter<long>("reco.embedding.refreshes", "{refresh}", "User embeddings recomputed, by reason.");
        _recommendLatency = _meter.CreateHistogram<double>("reco.recommend.latency", "ms", "Time to answer a recommendation query.");
        _partialAnswers = _meter.CreateCounter<long>("reco.recommend.partial", "{answer}", "Answers missing at least one shard.");
        _searchesCancelled = _meter.CreateCounter<long>("reco.shard.searches.cancelled", "{search}",
            "Shard searches stopped because the query's fan-out deadline passed before they finished.");
        _itemsMissingFeatures = _meter.CreateCounter<long>("reco.items.missing_features", "{item}",
            "Items upserted without a value for some item feature the model uses (accepted, embedded from the id and the features they have), by catalogue.");
        _indexBuildTime = _meter.CreateHistogram<double>("reco.index.build.time", "ms", "Time to (re)build a shard's index.");
        _indexSwapTime = _meter.CreateHistogram<double>("reco.index.swap.time", "ms",
            "Per shard, time from a new model version to its index being swapped in (re-embedding and build in the background).");
        _meter.CreateObservableGauge("reco.shard.items", ObserveShardItems, "{item}", "Live items per shard.");
        _meter.CreateObservableGauge("reco.shard.memory", ObserveShardBytes, "By", "Bytes held per shard (index and item data).");
        _meter.CreateObservableGauge("reco.model.version", ObserveModel, "{model}", "1, tagged with the current model version and dimension.");
        _streamEvents = _meter.CreateCounter<long>("reco.stream.events", "{event}",
            "Event-stream entries handled, by outcome: accepted, duplicate, dead_letter, retry (not persisted, left pending).");
        _streamBatchTime = _meter.CreateHistogram<double>("reco.stream.batch.time", "ms", "Time to handle one batch read from the event stream.");
        _streamConsumersRemoved = _meter.CreateCounter<long>("reco.stream.consumers.removed", "{consumer}",
            "Consumers removed from the event stream's group: idle past Reco:Events:Stream:ForgetIdleConsumersAfter with nothing pending (silos that are gone).");
        _meter.CreateObservableGauge("reco.stream.lag", ObserveStreamBacklog, "{entry}",
            "Event-stream entries not yet acknowledged by the consumer group: delivered but pending plus not yet delivered.");
    }

    public void EventsIngested(int accepted, int duplicates)
    {
        if (accepted > 0) _eventsIngested.Add(accepted);
        if (duplicates > 0) _eventsDuplicate.Add(duplicates);
    }

    /// <summary>An embedding was recomputed; <paramref name="reason"/> is <c>event</c>, <c>profile</c> or <c>model</c>.</summary>
    public void EmbeddingRefreshed(string reason) => _embeddingRefreshes.Add(1, new KeyValuePair<string, object?>("reason", reason));

    public void RecommendAnswered(string kind, double milliseconds, bool partial)
    {
        _recommendLatency.Record(milliseconds, new("kind", kind), new("partial", partial));
        if (partial) _partialAnswers.Add(1, new KeyValuePair<string, object?>("kind", kind));
    }

    /// <summary>A shard search stopped on its caller's cancellation (the fan-out deadline passed).</summary>
    public void ShardSearchCancelled(string catalog, int shard) =>
        _searchesCancelled.Add(1, new("catalog", catalog), new("shard", shard));

    /// <summary>Items of <paramref name="catalog"/> upserted without some feature the model uses.</summary>
    public void ItemsMissingFeatures(string catalog, int count)
    {
        if (count > 0) _itemsMissingFeatures.Add(count, new KeyValuePair<string, object?>("catalog", catalog));
    }

    public void IndexBuilt(string indexKind, int items, double milliseconds) =>
        _indexBuildTime.Record(milliseconds, new("index", indexKind), new("items", items));

    public void IndexSwapped(string catalog, int shard, double milliseconds) =>
        _indexSwapTime.Record(milliseconds, new("catalog", catalog), new("shard", shard));

    public void ShardSize(string catalog, int shard, int items, long bytes) => _shards[(catalog, shard)] = (items, bytes);

    public void ShardGone(string catalog, int shard) => _shards.TryRemove((catalog, shard), out _);

    public void SetModel(string version, int dimension) => _model = (version, dimension);

    /// <summary>Event-stream entries handled; <paramref name="outcome"/> is <c>accepted</c>, <c>duplicate</c>, <c>dead_letter</c> or <c>retry</c>.</summary>
    public void StreamEvents(string outcome, long count)
    {
        if (count > 0) _streamEvents.Add(count, new KeyValuePair<string, object?>("outcome", outcome));
    }

    public void StreamBatchHandled(double milliseconds) => _streamBatchTime.Record(milliseconds);

    /// <summary>An idle consumer with nothing pending was removed from the group of <paramref name="stream"/>.</summary>
    public void StreamConsumerRemoved(string stream) => _streamConsumersRemoved.Add(1, new KeyValuePair<string, object?>("stream", stream));

    /// <summary>The consumer group's backlog as last probed (pending + lag).</summary>
    public void StreamBacklog(string stream, string group, long entries) => _streamBacklog[(stream, group)] = entries;

    private IEnumerable<Measurement<int>> ObserveShardItems()
    {
        foreach (var ((catalog, shard), size) in _shards)
            yield return new Measurement<int>(size.Items, new("catalog", catalog), new("shard", shard));
    }

    private IEnumerable<Measurement<long>> ObserveShardBytes()
    {
        foreach (var ((catalog, shard), size) in _shards)
            yield return new Measurement<long>(size.Bytes, new("catalog", catalog), new("shard", shard));
    }

    private IEnumerable<Measurement<int>> ObserveModel()
    {
        if (_model is { } m) yield return new Measurement<int>(1, new("version", m.Version), new("dimension", m.Dimension));
    }

    private IEnumerable<Measurement<long>> ObserveStreamBacklog()
    {
        foreach (var ((stream, group), entries) in _streamBacklog)
            yield return new Measurement<long>(entries, new("stream", stream), new("group", group));
    }

    public void Dispose() => _meter.Dispose();
}
