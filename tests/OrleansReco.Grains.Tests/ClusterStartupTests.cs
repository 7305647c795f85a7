using OrleansReco.GrainInterfaces;
namespace OrleansReco.Grains.Tests;

[Collection(ClusterCollection.Name)]
public sealed class ClusterStartupTests(ClusterFixture fixture)
{
    [Fact]
    public async Task Deploy_WithRecoRoles_BothSilosActive()
    {
        var management = fixture.Cluster.GrainFactory.GetGrain<IManagementGrain>(0);
        var hosts = await management.GetHosts(onlyActive: true);
        Assert.Equal(2, hosts.Count);
        Assert.Contains(fixture.Cluster.Primary!.SiloAddress, hosts.Keys);
    }
}

[Collection(ClusterCollection.Name)]
public sealed class MemoryStorageTests(ClusterFixture fixture)
{
    [Fact]
    public async Task MemoryStores_UseTheBinarySerializer_AndStateSurvivesReactivation()
    {
        var silo = (Orleans.TestingHost.InProcessSiloHandle)fixture.Cluster.Primary!;
        var monitor = Microsoft.Extensions.DependencyInjection.ServiceProviderServiceExtensions
            .GetRequiredService<Microsoft.Extensions.Options.IOptionsMonitor<Orleans.Configuration.MemoryGrainStorageOptions>>(silo.SiloHost.Services);
        foreach (var name in StorageNames.Current)
            Assert.IsType<Orleans.Storage.OrleansGrainStorageSerializer>(monitor.Get(name).GrainStorageSerializer);

        string userId = TestData.Unique("bin");
        var user = fixture.Cluster.GrainFactory.GetGrain<IUserGrain>(userId);
        await user.SetProfileAsync(new Dictionary<string, string> { ["age_group"] = "26-40", ["city"] = "الرياض" });
        await user.RecordEventsAsync([TestData.Event("item-1"), TestData.Event("item-2")]);
        var management = fixture.Cluster.GrainFactory.GetGrain<IManagementGrain>(0);
        await management.ForceActivationCollection(TimeSpan.Zero);

        var context = await user.GetContextAsync();
        Assert.Equal(["item-1", "item-2"], context.SeenItemIds);
        Assert.Equal("الرياض", context.Profile["city"]);
    }
}
