using Microsoft.Extensions.Configuration;
using Orleans.TestingHost;

namespace OrleansReco.Grains.Tests;

/// <summary>
/// A real Redis server for grain state and reminders, and a way to start two-silo clusters on it that share one
/// service id, so that a later cluster reads what an earlier one wrote.
/// </summary>
public sealed class RedisClusterFixture : IAsyncLifetime
{
    /// <summary>The service id every cluster of the fixture shares unless a test names its own.</summary>
    public string ServiceId { get; } = $"reco-redis-{Guid.NewGuid():N}";

    public RedisServer Redis { get; private set; } = null!;
    public string ModelPath { get; private set; } = "";

    public async Task InitializeAsync()
    {
        Redis = await RedisServer.StartAsync();
        ModelPath = SmallModel.Write("redis-v1", seed: 99);
    }

    /// <summary>
    /// Deploys a fresh two-silo cluster whose grain state lives in the fixture's Redis (under the fixture's service
    /// id, shared by every cluster of the fixture, unless <paramref name="serviceId"/> names a service of its own).
    /// </summary>
    public async Task<TestCluster> StartClusterAsync(string primaryRole = "all", bool withModel = true, string? serviceId = null,
        IReadOnlyDictionary<string, string?>? settings = null)
    {
        var builder = new TestClusterBuilder(initialSilosCount: 2);
        builder.Options.ServiceId = serviceId ?? ServiceId;
        builder.ConfigureHostConfiguration(c => c.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Reco:Cluster:Provider"] = "Redis",
            ["Reco:Cluster:RedisConnectionString"] = Redis.ConnectionString,
            ["Reco:Model:Path"] = withModel ? ModelPath : "",
            ["Reco:Shards:HnswThreshold"] = "4",
            [TestSiloConfigurator.PrimaryRoleKey] = primaryRole,
        }).AddInMemoryCollection(settings ?? new Dictionary<string, string?>()));
        builder.AddSiloBuilderConfigurator<TestSiloConfigurator>();
        var cluster = builder.Build();
        await cluster.DeployAsync();
        return cluster;
    }

    public async Task DisposeAsync()
    {
        await Redis.DisposeAsync();
        File.Delete(ModelPath);
    }
}

[CollectionDefinition(Name)]
public sealed class RedisClusterCollection : ICollectionFixture<RedisClusterFixture>
{
    public const string Name = "redis";
}
