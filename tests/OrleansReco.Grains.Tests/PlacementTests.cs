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

/// <summary>How the serving grains of a catalogue spread over the silos of a two-silo cluster.</summary>
[Collection(ClusterCollection.Name)]
public sealed class SpreadPlacementTests(ClusterFixture fixture)
{
    private IGrainFactory Grains => fixture.Cluster.GrainFactory;

    [Fact]
    public async Task ItemShards_OfOneCatalogue_SplitEvenlyOverTheSilos()
    {
        var client = await TestData.NewCatalogAsync(Grains, 80, "spread");
        var stats = await Grains.GetGrain<IManagementGrain>(0).GetDetailedGrainStatistics();
        var perSilo = stats.Where(s => s.GrainType.Contains("ItemShardGrain", StringComparison.Ordinal)
                                       && s.GrainId.ToString().EndsWith("+" + client.Catalog, StringComparison.Ordinal))
            .GroupBy(s => s.SiloAddress).ToDictionary(g => g.Key, g => g.Count());

        Assert.Equal(2, perSilo.Count);
        Assert.All(perSilo.Values, count => Assert.Equal(4, count));
    }

    [Fact]
    public async Task Recommender_CalledUnderRouteKeys_AnswersForTheCatalogue_FromBothSilos()
    {
        var client = await TestData.NewCatalogAsync(Grains, 40, "routes");
        var query = new RecommendQuery(K: 40, Deadline: TimeSpan.FromSeconds(30));
        var plain = await Complete(Grains.GetGrain<IRecommendGrain>(client.Catalog), query);
        for (int u = 0; u < 64; u++)
        {
            var routed = await Complete(Grains.Recommender(client.Catalog, spreadBy: $"user-{u}"), query);
            // A model published meanwhile changes every score: compare answers of one model.
            if (routed.ModelVersion != plain.ModelVersion) plain = await Complete(Grains.GetGrain<IRecommendGrain>(client.Catalog), query);
            Assert.Equal(routed.ModelVersion, plain.ModelVersion);
            Assert.Equal(plain.Items.Select(i => i.ItemId), routed.Items.Select(i => i.ItemId));
        }

        // Stateless workers are counted per silo by grain type (the detailed statistics leave them out).
        var simple = await Grains.GetGrain<IManagementGrain>(0).GetSimpleGrainStatistics();
        var silos = simple.Where(s => s.GrainType.Contains("RecommendGrain", StringComparison.Ordinal) && s.ActivationCount > 0).Select(s => s.SiloAddress).Distinct().Count();
        Assert.True(silos == 2, string.Join("\n", simple.Select(s => $"{s.GrainType} {s.ActivationCount} {s.SiloAddress}")));
        Assert.Throws<ArgumentException>(() => Grains.Recommender("bad" + ItemSharding.RouteSeparator + "name"));
        Assert.Equal(client.Catalog, ItemSharding.CatalogOfRecommender(client.Catalog + ItemSharding.RouteSeparator + "7"));
    }

    /// <summary>
    /// An answer from every shard. The routing is under test, not the deadline or a model swap: the cluster is shared
    /// with tests that publish models, and a shard still re-embedding for another version answers partially for a moment.
    /// </summary>
    private static async Task<Recommendations> Complete(IRecommendGrain recommender, RecommendQuery query)
    {
        for (int attempt = 0; ; attempt++)
        {
            var answer = await recommender.RecommendForProfileAsync(null, [TestData.Event("item-3")], query);
            if (!answer.Partial) return answer;
            Assert.True(attempt < 50, $"still partial after {attempt + 1} tries: shards {string.Join(",", answer.AnsweredShards)} answered");
            await Task.Delay(100);
        }
    }
}

public sealed class ShardSpreadPlacementDirectorTests
{
    private static SiloAddress Silo(int port) => SiloAddress.New(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, port), 1);

    [Theory]
    [InlineData(2, 8)]
    [InlineData(3, 8)]
    [InlineData(5, 16)]
    public void Choose_SpreadsTheShardsOfACatalogueEvenly_WhateverTheOrderOfTheSilos(int silos, int shards)
    {
        var addresses = Enumerable.Range(0, silos).Select(i => Silo(11_000 + i)).ToArray();
        var reversed = addresses.Reverse().ToArray();
        var counts = new Dictionary<SiloAddress, int>();
        for (int shard = 0; shard < shards; shard++)
        {
            var chosen = Grains.Placement.ShardSpreadPlacementDirector.Choose(addresses, shard, "catalog");
            Assert.Equal(chosen, Grains.Placement.ShardSpreadPlacementDirector.Choose(reversed, shard, "catalog"));
            counts[chosen] = counts.GetValueOrDefault(chosen) + 1;
        }

        Assert.Equal(silos, counts.Count);
        Assert.InRange(counts.Values.Max() - counts.Values.Min(), 0, 1);
    }
}
