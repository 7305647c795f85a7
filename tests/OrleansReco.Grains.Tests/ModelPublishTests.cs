using Microsoft.Extensions.DependencyInjection;
using Orleans.TestingHost;
using OrleansReco.Core.Model;
using OrleansReco.GrainInterfaces;
using OrleansReco.GrainInterfaces.Client;
using OrleansReco.Grains.Model;

namespace OrleansReco.Grains.Tests;

/// <summary>Publishing through the registry reaches every silo, and the grains follow.</summary>
[Collection(LifecycleCollection.Name)]
public sealed class ModelPublishTests(LifecycleFixture fixture)
{
    private IModelRegistryGrain Registry => fixture.Cluster.GrainFactory.Registry();

    private IEnumerable<ModelCache> Caches => fixture.Cluster.Silos.Cast<InProcessSiloHandle>()
        .Select(s => s.SiloHost.Services.GetRequiredService<ModelCache>());

    private async Task<ModelBundle> PublishAsync(string prefix, int seed)
    {
        var bundle = SmallModel.Create(TestData.Unique(prefix), seed);
        await Registry.PublishAsync(bundle.ToBytes(), "tests", null);
        return bundle;
    }

    [Fact]
    public async Task ConfiguredBundle_IsTheRegistrysFirstVersion()
    {
        var history = await Registry.GetHistoryAsync();

        Assert.Equal("life-v0", history[0].Version);
        Assert.StartsWith("config:", history[0].PublishedBy);
        Assert.Equal(new FileInfo(fixture.ModelPath).Length, history[0].SizeBytes);
    }

    [Fact]
    public async Task Publish_ReachesEverySilosModelCache()
    {
        var bundle = await PublishAsync("fan", seed: 21);

        Assert.Equal(2, Caches.Count());
        Assert.All(Caches, c => Assert.Equal(bundle.Header.Version, c.Version));
    }

    [Fact]
    public async Task Rollback_MakesEarlierVersionCurrentOnEverySilo()
    {
        var first = await PublishAsync("rb1", seed: 22);
        await PublishAsync("rb2", seed: 23);

        var info = await Registry.RollbackAsync(first.Header.Version, "ops");

        Assert.True(info.IsRollback);
        Assert.Equal("ops", info.PublishedBy);
        Assert.Equal(first.Header.Version, (await Registry.GetCurrentAsync())!.Version);
        Assert.All(Caches, c => Assert.Equal(first.Header.Version, c.Version));
        var history = await Registry.GetHistoryAsync();
        Assert.Equal(first.Header.Version, history[^1].Version);
    }

    [Fact]
    public async Task Publish_UserEmbeddingRecomputedWithNewModel()
    {
        string userId = TestData.Unique("user");
        var user = fixture.Cluster.GrainFactory.GetGrain<IUserGrain>(userId);
        await user.RecordEventsAsync([TestData.Event("item-1")]);
        var before = await user.GetEmbeddingAsync();

        var bundle = await PublishAsync("emb", seed: 24);

        var after = await user.GetContextAsync();
        Assert.NotEqual(before.ModelVersion, after.ModelVersion);
        Assert.Equal(bundle.Header.Version, after.ModelVersion);
        var model = new TwoTowerModel(bundle);
        var expected = new float[model.Dimension];
        model.EmbedUser(null, [new HistoryEvent("item-1", "click", 1f, 0)], 0, expected);
        Assert.Equal(expected, after.Vector, (a, b) => Math.Abs(a - b) < 1e-5f);
    }
}
