using Microsoft.Extensions.DependencyInjection;
using OrleansReco.GrainInterfaces;

namespace OrleansReco.Gateway.Tests;

/// <summary>
/// One gateway serving the seeded test model (loaded from <c>Reco:Model:Path</c>) and a catalogue of
/// <see cref="ItemCount"/> items with categories a/b/c and a price. Small limits make the limit tests cheap.
/// </summary>
public sealed class GatewayFixture : IAsyncLifetime
{
    public const int ItemCount = 60;
    public const int MaxBatch = 50;
    public const int MaxK = 100;
    public const int MaxRequestBytes = 256 * 1024;

    /// <summary>The user grains' event-id window: below <see cref="MaxBatch"/>, so that one batch can exceed it.</summary>
    public const int EventIdWindow = 40;

    /// <summary>A silo-wide rule that only a request's context makes fire.</summary>
    public const string SiloRules = """[{ "name": "kids-no-c", "when": { "context.channel": "kids" }, "exclude": { "category": ["c"] } }]""";

    public GatewayFactory Factory { get; private set; } = null!;
    public string ModelPath { get; private set; } = "";
    public IGrainFactory Grains => Factory.Services.GetRequiredService<IGrainFactory>();

    public static string ItemId(int i) => $"item-{i:D3}";
    public static string CategoryOf(int i) => SmallModel.Categories[i % 3];

    public async Task InitializeAsync()
    {
        ModelPath = SmallModel.Write("gw-test-v1", seed: 99);
        var settings = GatewayFactory.BaseSettings();
        settings["Reco:Model:Path"] = ModelPath;
        // Grain-call spans are off unless traces are exported; the tracing tests listen for them.
        settings["Reco:Telemetry:TraceGrainCalls"] = "true";
        settings["Reco:Gateway:MaxBatch"] = MaxBatch.ToString();
        settings["Reco:Gateway:MaxK"] = MaxK.ToString();
        settings["Reco:Gateway:MaxRequestBytes"] = MaxRequestBytes.ToString();
        settings["Reco:Users:EventIdWindow"] = EventIdWindow.ToString();
        settings["Reco:Recommend:RulesJson"] = SiloRules;
        Factory = new GatewayFactory(settings);
        var items = Enumerable.Range(0, ItemCount).Select(i => new CatalogItem(ItemId(i),
            new Dictionary<string, string> { ["category"] = CategoryOf(i), ["price"] = (5 + i % 10).ToString() })).ToArray();
        await Grains.GetGrain<ICatalogGrain>(ItemSharding.DefaultCatalog).UpsertItemsAsync(items);
    }

    public async Task DisposeAsync()
    {
        await Factory.DisposeAsync();
        File.Delete(ModelPath);
    }
}

[CollectionDefinition(Name)]
public sealed class GatewayCollection : ICollectionFixture<GatewayFixture>
{
    public const string Name = "gateway";
}
