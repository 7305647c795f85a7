using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using OrleansReco.GrainInterfaces;
using OrleansReco.Grains.Telemetry;

namespace OrleansReco.Grains.Tests;

[Collection(ClusterCollection.Name)]
public sealed class TelemetryTests(ClusterFixture fixture)
{
    private IGrainFactory Grains => fixture.Cluster.GrainFactory;

    [Fact]
    public async Task Meter_EventsQueriesAndShards_Reported()
    {
        var measurements = new ConcurrentQueue<(string Name, double Value, Dictionary<string, object?> Tags)>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) => { if (instrument.Meter.Name == RecoMetrics.MeterName) l.EnableMeasurementEvents(instrument); };
        listener.SetMeasurementEventCallback<long>((i, v, tags, _) => measurements.Enqueue((i.Name, v, ToDictionary(tags))));
        listener.SetMeasurementEventCallback<int>((i, v, tags, _) => measurements.Enqueue((i.Name, v, ToDictionary(tags))));
        listener.SetMeasurementEventCallback<double>((i, v, tags, _) => measurements.Enqueue((i.Name, v, ToDictionary(tags))));
        listener.Start();

        var client = await TestData.NewCatalogAsync(Grains, 50);
        string userId = TestData.Unique("user");
        var repeated = TestData.Event("item-1");
        await client.SendEventsAsync(userId, repeated, TestData.Event("item-2"));
        await client.SendEventsAsync(userId, repeated);
        await client.RecommendAsync(userId);
        listener.RecordObservableInstruments();

        double Sum(string name, Func<Dictionary<string, object?>, bool>? where = null) =>
            measurements.Where(m => m.Name == name && (where is null || where(m.Tags))).Sum(m => m.Value);
        Assert.True(Sum("reco.events.ingested") >= 2, "Metrics: reco.events.ingested did not count the accepted events.");
        Assert.True(Sum("reco.events.duplicates") >= 1, "Metrics: reco.events.duplicates did not count the repeat.");
        Assert.True(Sum("reco.embedding.refreshes") >= 1, "Metrics: reco.embedding.refreshes did not count the refresh.");
        Assert.Contains(measurements, m => m.Name == "reco.recommend.latency" && (string?)m.Tags["kind"] == "user");
        Assert.Equal(50, Sum("reco.shard.items", t => (string?)t["catalog"] == client.Catalog));
        Assert.True(Sum("reco.shard.memory", t => (string?)t["catalog"] == client.Catalog) > 0, "Metrics: reco.shard.memory reported nothing.");
        Assert.Contains(measurements, m => m.Name == "reco.model.version" && (string?)m.Tags["version"] == fixture.ModelVersion);
    }

    [Fact]
    public async Task Recommend_InsideCallerTrace_GrainSpanJoinsTheTrace()
    {
        var spans = new ConcurrentQueue<Activity>();
        using var source = new ActivitySource("OrleansReco.Tests");
        using var listener = new ActivityListener
        {
            ShouldListenTo = s => s.Name is RecoMetrics.MeterName or "OrleansReco.Tests" || s.Name.StartsWith("Microsoft.Orleans", StringComparison.Ordinal),
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = spans.Enqueue,
        };
        ActivitySource.AddActivityListener(listener);
        var client = await TestData.NewCatalogAsync(Grains, 10);

        ActivityTraceId trace;
        using (var caller = source.StartActivity("caller"))
        {
            Assert.NotNull(caller);
            trace = caller.TraceId;
            await client.RecommendAsync(TestData.Unique("user"));
        }

        Assert.Contains(spans, s => s.OperationName == "recommend.user" && s.TraceId == trace);
    }

    private static Dictionary<string, object?> ToDictionary(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var d = new Dictionary<string, object?>();
        foreach (var (k, v) in tags) d[k] = v;
        return d;
    }
}
