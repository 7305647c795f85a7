using Microsoft.Extensions.DependencyInjection;
using Orleans.TestingHost;
using OrleansReco.GrainInterfaces;

namespace OrleansReco.Grains.Tests;

/// <summary>References made without per-call interface resolution are the ordinary ones, from a client and in a silo.</summary>
[Collection(ClusterCollection.Name)]
public sealed class GrainReferencesTests(ClusterFixture fixture)
{
    private IEnumerable<IGrainFactory> Factories()
    {
        yield return fixture.Cluster.GrainFactory;
        yield return ((InProcessSiloHandle)fixture.Cluster.Primary!).SiloHost.Services.GetRequiredService<IGrainFactory>();
    }

    private static void AssertSame(object ordinary, object fast)
    {
        var a = Assert.IsAssignableFrom<GrainReference>(ordinary);
        var b = Assert.IsAssignableFrom<GrainReference>(fast);
        Assert.Equal(a.GrainId, b.GrainId);
        Assert.Equal(a.InterfaceType, b.InterfaceType);
        Assert.Equal(a.GetType(), b.GetType());
    }

    [Fact]
    public void UsersShardsAndRecommenders_EqualTheOrdinaryReferences_OnEveryCall()
    {
        foreach (var grains in Factories())
            for (int call = 0; call < 3; call++) // the first call resolves, the later ones reuse
            {
                string user = TestData.Unique("ref-user");
                AssertSame(grains.GetGrain<IUserGrain>(user), grains.User(user));
                for (int s = 0; s < 8; s++)
                    AssertSame(grains.GetGrain<IItemShardGrain>(s, "refs"), grains.Shard("refs", s));
                AssertSame(grains.GetGrain<IRecommendGrain>("refs"), grains.Recommender("refs"));
                var routed = Assert.IsAssignableFrom<GrainReference>(grains.Recommender("refs", spreadBy: user));
                AssertSame(grains.GetGrain<IRecommendGrain>(routed.GrainId.Key.ToString()), routed);
            }
    }

    [Fact]
    public void ShardsAndRecommenders_AreKept_UsersAreNot()
    {
        foreach (var grains in Factories())
        {
            Assert.Same(grains.Shard("kept", 3), grains.Shard("kept", 3));
            Assert.NotSame(grains.Shard("kept", 3), grains.Shard("kept", 4));
            Assert.NotSame(grains.Shard("kept", 3), grains.Shard("kept-2", 3));
            Assert.Same(grains.Recommender("kept", spreadBy: "u-1"), grains.Recommender("kept", spreadBy: "u-1"));
            Assert.NotSame(grains.User("kept-user"), grains.User("kept-user"));
        }
    }

    [Fact]
    public async Task FastReference_ReachesTheSameActivation()
    {
        string user = TestData.Unique("ref-user");
        var ack = await fixture.Cluster.GrainFactory.User(user).RecordEventsAsync([TestData.Event("item-5", eventId: "r-1")]);
        Assert.Equal(1, ack.Accepted);
        var history = await fixture.Cluster.GrainFactory.GetGrain<IUserGrain>(user).GetHistoryAsync();
        Assert.Equal("item-5", Assert.Single(history.Events).ItemId);
    }

    [Fact]
    public void BlankKeys_AreRefused()
    {
        var grains = fixture.Cluster.GrainFactory;
        Assert.ThrowsAny<ArgumentException>(() => grains.User(" "));
        Assert.ThrowsAny<ArgumentException>(() => grains.Shard("", 0));
    }
}
