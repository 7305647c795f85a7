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
