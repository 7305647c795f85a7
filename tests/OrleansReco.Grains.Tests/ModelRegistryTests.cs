using OrleansReco.GrainInterfaces;
using OrleansReco.Grains.Model;

namespace OrleansReco.Grains.Tests;

/// <summary>The registry on its own: storing, validating, history and chunks. Versions are unique per test.</summary>
[Collection(LifecycleCollection.Name)]
public sealed class ModelRegistryTests(LifecycleFixture fixture)
{
    private IModelRegistryGrain Registry => fixture.Cluster.GrainFactory.Registry();

    [Fact]
    public async Task Publish_ValidBundle_StoredInChunksAndRecordedInHistory()
    {
        string version = TestData.Unique("reg");
        byte[] bytes = SmallModel.Create(version, seed: 11).ToBytes();
        Assert.True(bytes.Length > 2 * LifecycleFixture.ChunkBytes, $"Setup: the test bundle has only {bytes.Length} bytes.");

        var info = await Registry.PublishAsync(bytes, "alice", new Dictionary<string, double> { ["recall@10"] = 0.42 });

        Assert.Equal(version, info.Version);
        Assert.Equal("alice", info.PublishedBy);
        Assert.Equal(bytes.Length, info.SizeBytes);
        Assert.Equal((bytes.Length + LifecycleFixture.ChunkBytes - 1) / LifecycleFixture.ChunkBytes, info.ChunkCount);
        Assert.Equal(0.42, info.Metrics["recall@10"]);
        Assert.Equal(version, (await Registry.GetCurrentAsync())!.Version);
        Assert.Contains(await Registry.GetHistoryAsync(), h => h.Version == version && !h.IsRollback);

        var stored = new List<byte>();
        for (int i = 0; i < info.ChunkCount; i++) stored.AddRange(await Registry.GetBundleChunkAsync(version, i));
        Assert.Equal(bytes, stored.ToArray());
    }

    [Fact]
    public async Task Publish_CorruptBundle_RejectedNamingTheFieldAndNothingChanges()
    {
        var before = Summary(await Registry.GetHistoryAsync());
        byte[] bytes = SmallModel.Create(TestData.Unique("bad"), seed: 12).ToBytes();
        bytes[bytes.Length / 2] ^= 0xFF;

        var error = await Assert.ThrowsAsync<InvalidModelBundleException>(() => Registry.PublishAsync(bytes, "mallory", null));
        Assert.Contains("mallory", error.Message);
        Assert.Contains("checksum", error.Message, StringComparison.OrdinalIgnoreCase);

        var garbage = await Assert.ThrowsAsync<InvalidModelBundleException>(() => Registry.PublishAsync("not a bundle"u8.ToArray(), "mallory", null));
        Assert.Contains("magic", garbage.Message);
        Assert.Equal(before, Summary(await Registry.GetHistoryAsync()));
    }

    private static (string, DateTimeOffset, bool)[] Summary(ModelVersionInfo[] history) =>
        history.Select(h => (h.Version, h.PublishedAt, h.IsRollback)).ToArray();

    [Fact]
    public async Task Publish_VersionAlreadyPublished_Rejected()
    {
        string version = TestData.Unique("dup");
        await Registry.PublishAsync(SmallModel.Create(version, seed: 13).ToBytes(), "alice", null);

        var error = await Assert.ThrowsAsync<InvalidModelBundleException>(() =>
            Registry.PublishAsync(SmallModel.Create(version, seed: 14).ToBytes(), "bob", null));
        Assert.Contains($"'{version}' was already published by 'alice'", error.Message);
    }

    [Fact]
    public async Task Rollback_UnknownVersion_ThrowsNamingIt()
    {
        var error = await Assert.ThrowsAsync<KeyNotFoundException>(() => Registry.RollbackAsync("no-such-version", "alice"));
        Assert.Contains("no-such-version", error.Message);
    }
}
