using Microsoft.Extensions.DependencyInjection;
using Orleans.Core.Internal;
using Orleans.Storage;
using Orleans.TestingHost;
using OrleansReco.GrainInterfaces;
using OrleansReco.Grains.Model;
using OrleansReco.Grains.Registry;

namespace OrleansReco.Grains.Tests;

/// <summary>What keeps a published bundle what it was: recorded hashes, write-once chunks, retention, discarded uploads.</summary>
[Collection(LifecycleCollection.Name)]
public sealed class ModelBundleSafetyTests(LifecycleFixture fixture)
{
    private IGrainFactory Grains => fixture.Cluster.GrainFactory;

    private IServiceProvider SiloServices => ((InProcessSiloHandle)fixture.Cluster.Primary!).SiloHost.Services;

    private IModelChunkGrain Chunk(string version, int index) => Grains.GetGrain<IModelChunkGrain>(ModelChunkGrain.KeyOf(version, index));

    [Fact]
    public async Task Publish_RecordsSha256OfTheBundle()
    {
        byte[] bytes = SmallModel.Create(TestData.Unique("sha"), seed: 41).ToBytes();
        var registry = Grains.GetGrain<IModelRegistryGrain>(TestData.Unique("registry"));

        var info = await registry.PublishAsync(bytes, "alice", null);

        Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(bytes)), info.Sha256);
        Assert.Equal(info.Sha256, (await registry.GetCurrentAsync())!.Sha256);
    }

    [Fact]
    public async Task Load_TamperedChunkInStorage_IsRefused_SiloKeepsItsModel()
    {
        string version = TestData.Unique("tamper");
        byte[] published = SmallModel.Create(version, seed: 42).ToBytes();
        var info = await Grains.GetGrain<IModelRegistryGrain>(TestData.Unique("registry")).PublishAsync(published, "alice", null);
        // Another valid bundle of the same version and size, written straight into the chunks' storage, as someone
        // with access to the store could: only the recorded hash tells them apart.
        byte[] forged = SmallModel.Create(version, seed: 43).ToBytes();
        Assert.Equal(published.Length, forged.Length);
        Assert.NotEqual(published, forged);
        await ForgeChunksAsync(version, forged);
        var cache = SiloServices.GetRequiredService<ModelCache>();
        string before = cache.Version;

        var error = await Assert.ThrowsAsync<InvalidModelBundleException>(() => SiloServices.GetRequiredService<ModelSync>().LoadAsync(info));

        Assert.Contains("SHA-256", error.Message);
        Assert.Contains(version, error.Message);
        Assert.Equal(before, cache.Version);
    }

    /// <summary>Replaces every chunk of <paramref name="version"/> in the models store (the chunk grains are deactivated first).</summary>
    private async Task ForgeChunksAsync(string version, byte[] bytes)
    {
        var storage = SiloServices.GetRequiredKeyedService<IGrainStorage>(StorageNames.Models);
        for (int i = 0, start = 0; start < bytes.Length; i++, start += LifecycleFixture.ChunkBytes)
        {
            var chunk = Chunk(version, i);
            await chunk.Cast<IGrainManagementExtension>().DeactivateOnIdle();
            var state = new GrainState<ModelChunkState>(new ModelChunkState());
            await storage.ReadStateAsync("chunk", chunk.GetGrainId(), state);
            state.State ??= new ModelChunkState();
            state.State.Data = bytes[start..Math.Min(bytes.Length, start + LifecycleFixture.ChunkBytes)];
            await storage.WriteStateAsync("chunk", chunk.GetGrainId(), state);
        }
    }

    [Fact]
    public async Task ChunkWrite_SameBytesAccepted_OtherBytesRefused()
    {
        var chunk = Chunk(TestData.Unique("once"), 0);
        await chunk.WriteAsync([1, 2, 3]);

        await chunk.WriteAsync([1, 2, 3]);
        var error = await Assert.ThrowsAsync<InvalidModelBundleException>(() => chunk.WriteAsync([1, 2, 4]));

        Assert.Contains("write-once", error.Message);
        Assert.Equal([1, 2, 3], await chunk.ReadAsync());
    }

    [Fact]
    public async Task Publish_BeyondKeepVersions_OldestDeleted_NewestAndCurrentKept()
    {
        var registry = Grains.GetGrain<IModelRegistryGrain>(TestData.Unique("registry"));
        var versions = new List<ModelVersionInfo>();
        for (int i = 0; i < LifecycleFixture.KeepVersions + 2; i++)
            versions.Add(await registry.PublishAsync(SmallModel.Create(TestData.Unique("keep"), seed: 50 + i).ToBytes(), "tests", null));

        var history = (await registry.GetHistoryAsync()).Select(h => h.Version).ToArray();

        Assert.Equal(versions.Skip(2).Select(v => v.Version), history);
        Assert.Equal(versions[^1].Version, (await registry.GetCurrentAsync())!.Version);
        foreach (var gone in versions.Take(2))
        {
            await Assert.ThrowsAsync<KeyNotFoundException>(() => Chunk(gone.Version, 0).ReadAsync());
            await Assert.ThrowsAsync<KeyNotFoundException>(() => registry.RollbackAsync(gone.Version, "ops"));
        }
        Assert.NotEmpty(await Chunk(versions[2].Version, 0).ReadAsync());
    }

    [Fact]
    public async Task Publish_RolledBackVersionCountsAsRecent_AndIsKept()
    {
        var registry = Grains.GetGrain<IModelRegistryGrain>(TestData.Unique("registry"));
        var first = await registry.PublishAsync(SmallModel.Create(TestData.Unique("old"), seed: 80).ToBytes(), "tests", null);
        for (int i = 0; i < LifecycleFixture.KeepVersions - 1; i++)
            await registry.PublishAsync(SmallModel.Create(TestData.Unique("mid"), seed: 81 + i).ToBytes(), "tests", null);
        await registry.RollbackAsync(first.Version, "ops");

        var latest = await registry.PublishAsync(SmallModel.Create(TestData.Unique("new"), seed: 79).ToBytes(), "tests", null);

        var kept = (await registry.GetHistoryAsync()).Select(h => h.Version).Distinct().ToArray();
        Assert.Equal(LifecycleFixture.KeepVersions, kept.Length);
        Assert.Contains(first.Version, kept);
        Assert.Contains(latest.Version, kept);
        Assert.NotEmpty(await Chunk(first.Version, 0).ReadAsync());
    }

    [Fact]
    public async Task PublishUploaded_Refused_ChunksOfTheRefusedVersionDeleted()
    {
        string version = TestData.Unique("refused");
        byte[] corrupt = SmallModel.Create(version, seed: 44).ToBytes();
        corrupt[corrupt.Length / 2] ^= 0xff;
        int chunks = await BundleChunks.UploadAsync(Grains, version, corrupt, chunkBytes: 5000);

        await Assert.ThrowsAsync<InvalidModelBundleException>(() =>
            Grains.GetGrain<IModelRegistryGrain>(TestData.Unique("registry")).PublishUploadedAsync(version, corrupt.Length, chunks, "tests", null));

        for (int i = 0; i < chunks; i++) await Assert.ThrowsAsync<KeyNotFoundException>(() => Chunk(version, i).ReadAsync());
        // The version's name is free again: a good bundle under it publishes.
        var good = SmallModel.Create(version, seed: 45).ToBytes();
        Assert.Equal(version, (await Grains.GetGrain<IModelRegistryGrain>(TestData.Unique("registry")).PublishAsync(good, "tests", null)).Version);
    }

    [Fact]
    public async Task Discard_DeletesAnAbandonedUpload_KeepsARecordedVersion()
    {
        var registry = Grains.GetGrain<IModelRegistryGrain>(TestData.Unique("registry"));
        string abandoned = TestData.Unique("abandon");
        int chunks = await BundleChunks.UploadAsync(Grains, abandoned, SmallModel.Create(abandoned, seed: 46).ToBytes(), chunkBytes: 5000);
        var recorded = await registry.PublishAsync(SmallModel.Create(TestData.Unique("rec"), seed: 47).ToBytes(), "tests", null);

        Assert.Equal(chunks, await registry.DiscardAsync(abandoned));
        Assert.Equal(0, await registry.DiscardAsync(recorded.Version));

        await Assert.ThrowsAsync<KeyNotFoundException>(() => Chunk(abandoned, 0).ReadAsync());
        Assert.NotEmpty(await Chunk(recorded.Version, 0).ReadAsync());
    }
}
