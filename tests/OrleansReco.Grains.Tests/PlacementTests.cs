using Orleans.TestingHost;
using OrleansReco.GrainInterfaces;
using OrleansReco.GrainInterfaces.Client;

namespace OrleansReco.Grains.Tests;

[Collection(RedisClusterCollection.Name)]
public sealed class PlacementTests(RedisClusterFixture fixture)
{
    [Fact]
    public async Task ServingGrains_TrainOnlySilo_NeverHostsThem()
    {
        await using var cluster = await fixture.StartClusterAsync(primaryRole: "train");
        var client = new RecoClient(cluster.GrainFactory, TestData.Unique("placed"));
        await client.UpsertItemsAsync(TestData.Items(40));
        for (int u = 0; u < 12; u++) await client.SendEventsAsync(TestData.Unique("user"), TestData.Event("item-1"));

        var management = cluster.GrainFactory.GetGrain<IManagementGrain>(0);
        var trainer = cluster.Primary!.SiloAddress;
        var onTrainer = await management.GetDetailedGrainStatistics(hostsIds: [trainer]);
        var onServer = await management.GetDetailedGrainStatistics(hostsIds: [cluster.SecondarySilos[0].SiloAddress]);

        static int Count(IEnumerable<DetailedGrainStatistic> stats, string type) => stats.Count(s => s.GrainType.Contains(type, StringComparison.Ordinal));
        Assert.Equal(0, Count(onTrainer, "UserGrain") + Count(onTrainer, "ItemShardGrain"));
        Assert.Equal(8, Count(onServer, "ItemShardGrain"));
        Assert.True(Count(onServer, "UserGrain") >= 12, "Placement: the user grains are not on the serving silo.");
    }
}
