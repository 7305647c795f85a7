using Orleans.TestingHost;
using OrleansReco.Silo.Hosting;

namespace OrleansReco.Grains.Tests;

/// <summary>Configures each test silo the way the silo host does for the Memory provider; the primary silo trains.</summary>
public sealed class TestSiloConfigurator : ISiloConfigurator
{
    public void Configure(ISiloBuilder silo)
    {
        silo.AddMemoryGrainStorageAsDefault();
        silo.UseInMemoryReminderService();
        var role = silo.Configuration["Orleans:Name"] == "Primary" ? "train" : "serve";
        silo.AddRecoRole(role);
    }
}

/// <summary>A two-silo in-process cluster shared by the grain tests.</summary>
public sealed class ClusterFixture : IAsyncLifetime
{
    public TestCluster Cluster { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        var builder = new TestClusterBuilder(initialSilosCount: 2);
        builder.AddSiloBuilderConfigurator<TestSiloConfigurator>();
        Cluster = builder.Build();
        await Cluster.DeployAsync();
    }

    public async Task DisposeAsync() => await Cluster.DisposeAsync();
}

[CollectionDefinition(Name)]
public sealed class ClusterCollection : ICollectionFixture<ClusterFixture>
{
    public const string Name = "cluster";
}
