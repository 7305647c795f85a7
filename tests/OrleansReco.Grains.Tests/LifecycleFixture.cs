using Microsoft.Extensions.Configuration;
using Orleans.TestingHost;

namespace OrleansReco.Grains.Tests;

/// <summary>
/// A two-silo cluster of its own for the model lifecycle tests: publishing changes every silo's model, which the
/// shared cluster's tests must not see. Bundles are stored in 16 KiB chunks so that a test bundle spans several.
/// </summary>
public sealed class LifecycleFixture : IAsyncLifetime
{
    public const int ChunkBytes = 16 * 1024;

    /// <summary>Versions the registry keeps: more than this collection publishes to the default registry, so that its
    /// first (configured) version stays; the retention test publishes more to a registry of its own.</summary>
    public const int KeepVersions = 20;

    public TestCluster Cluster { get; private set; } = null!;
    public string ModelPath { get; private set; } = "";

    public async Task InitializeAsync()
    {
        ModelPath = SmallModel.Write("life-v0", seed: 7);
        var builder = new TestClusterBuilder(initialSilosCount: 2);
        builder.ConfigureHostConfiguration(c => c.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Reco:Model:Path"] = ModelPath,
            ["Reco:Model:ChunkBytes"] = ChunkBytes.ToString(),
            ["Reco:Model:KeepVersions"] = KeepVersions.ToString(),
        }));
        builder.AddSiloBuilderConfigurator<TestSiloConfigurator>();
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
public sealed class LifecycleCollection : ICollectionFixture<LifecycleFixture>
{
    public const string Name = "lifecycle";
}
