using Microsoft.Extensions.Configuration;
using Orleans.TestingHost;
using OrleansReco.Grains.Items;
using OrleansReco.Silo.Hosting;
using OrleansReco.Trainer.Hosting;

namespace OrleansReco.Grains.Tests;

/// <summary>
/// Configures each test silo the way the silo host does, with the providers of <c>Reco:Cluster</c> (Memory unless
/// a fixture says Redis; clustering stays the test cluster's own). The primary silo has role <c>all</c> (it may
/// train and serve), the others <c>serve</c>.
/// </summary>
public sealed class TestSiloConfigurator : ISiloConfigurator
{
    /// <summary>Configuration key that overrides the primary silo's role (e.g. <c>train</c>).</summary>
    public const string PrimaryRoleKey = "Reco:Test:PrimaryRole";

    public void Configure(ISiloBuilder silo)
    {
        silo.AddRecoProviders(SiloHostingExtensions.ReadValidated(silo.Configuration));
        var role = silo.Configuration["Orleans:Name"] == "Primary" ? silo.Configuration[PrimaryRoleKey] ?? "all" : "serve";
        silo.AddRecoRole(role);
        silo.AddRecoServing();
        silo.AddRecoTrainer(role);
    }
}

/// <summary>The test client propagates the caller's trace into grain calls, as the gateway does.</summary>
public sealed class TestClientConfigurator : IClientBuilderConfigurator
{
    public void Configure(IConfiguration configuration, IClientBuilder client) => client.AddActivityPropagation();
}

/// <summary>A two-silo in-process cluster shared by the grain tests, serving a seeded test model.</summary>
public sealed class ClusterFixture : IAsyncLifetime
{
    /// <summary>Catalogue whose shard <see cref="SlowShard"/> answers searches only after <see cref="SlowShardDelay"/>.</summary>
    public const string SlowCatalog = "slow";
    public const int SlowShard = 3;
    public static readonly TimeSpan SlowShardDelay = TimeSpan.FromSeconds(3);

    /// <summary>Shards with at least this many items use HNSW (low, so that tests exercise both index kinds).</summary>
    public const int HnswThreshold = 16;

    /// <summary>A silo-wide rule: requests with context <c>channel=kids</c> never get category <c>c</c>.</summary>
    public const string SiloRulesJson = """[{ "name": "kids-no-c", "when": { "context.channel": "kids" }, "exclude": { "category": ["c"] } }]""";

    public TestCluster Cluster { get; private set; } = null!;
    public string ModelPath { get; private set; } = "";
    public string ModelVersion => "test-v1";

    public async Task InitializeAsync()
    {
        ModelPath = SmallModel.Write(ModelVersion, seed: 1234);
        var builder = new TestClusterBuilder(initialSilosCount: 2);
        builder.ConfigureHostConfiguration(c => c.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Reco:Model:Path"] = ModelPath,
            [$"{ItemShardOptions.Section}:HnswThreshold"] = HnswThreshold.ToString(),
            [$"{ItemShardOptions.Section}:SimulatedSearchDelay:{SlowCatalog}/{SlowShard}"] = SlowShardDelay.ToString(),
            ["Reco:Recommend:RulesJson"] = SiloRulesJson,
        }));
        builder.AddSiloBuilderConfigurator<TestSiloConfigurator>();
        builder.AddClientBuilderConfigurator<TestClientConfigurator>();
        Cluster = builder.Build();
        await Cluster.DeployAsync();
    }

    public async Task DisposeAsync()
    {
        await Cluster.DisposeAsync();
        File.Delete(ModelPath);
    }
}

[CollectionDefinition(Name)]
public sealed class ClusterCollection : ICollectionFixture<ClusterFixture>
{
    public const string Name = "cluster";
}
