using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using OrleansReco.GrainInterfaces;
using OrleansReco.GrainInterfaces.Client;
using OrleansReco.Grains.Telemetry;

namespace OrleansReco.Grains.Tests;

/// <summary>Items upserted without a feature the model uses are accepted, searchable, and counted.</summary>
[Collection(ClusterCollection.Name)]
public sealed class MissingFeaturesTests(ClusterFixture fixture)
{
    [Fact]
    public async Task Upsert_WithoutModelFeatures_AcceptedAndCounted()
    {
        var counted = new ConcurrentQueue<(long Value, string? Catalog)>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == RecoMetrics.MeterName && instrument.Name == "reco.items.missing_features") l.EnableMeasurementEvents(instrument);
        };
        listener.SetMeasurementEventCallback<long>((_, v, tags, _) =>
        {
            string? catalog = null;
            foreach (var (k, value) in tags) if (k == "catalog") catalog = value as string;
            counted.Enqueue((v, catalog));
        });
        listener.Start();

        var client = new RecoClient(fixture.Cluster.GrainFactory, TestData.Unique("missing"));
        // The test model's item tower uses category and price: two complete items, one without price, one without any feature.
        var items = new[]
        {
            TestData.Item(0),
            TestData.Item(1),
            new CatalogItem("no-price", new Dictionary<string, string> { ["category"] = "a" }, true, null),
            new CatalogItem("bare", null, true, null),
        };
        var result = await client.UpsertItemsAsync(items);

        Assert.Equal(4, result.Added);
        Assert.Equal(2, counted.Where(c => c.Catalog == client.Catalog).Sum(c => c.Value));
        var answer = await client.SimilarItemsAsync("bare");
        Assert.NotEmpty(answer.Items);
    }
}
