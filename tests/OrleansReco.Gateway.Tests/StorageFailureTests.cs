using System.Collections.Concurrent;
using System.Net;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Storage;

namespace OrleansReco.Gateway.Tests;

/// <summary>
/// User storage that fails every write for users whose id starts with <see cref="DownPrefix"/> and keeps everything
/// else in memory: a storage outage that hits some users of a batch.
/// </summary>
public sealed class PartlyDownUserStorage : IGrainStorage, ILifecycleParticipant<ISiloLifecycle>
{
    public const string DownPrefix = "down-";

    private readonly ConcurrentDictionary<(string, GrainId), (object State, string ETag)> _data = new();

    public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        if (_data.TryGetValue((stateName, grainId), out var stored))
        {
            grainState.State = (T)stored.State;
            grainState.ETag = stored.ETag;
            grainState.RecordExists = true;
        }
        return Task.CompletedTask;
    }

    public Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        if (grainId.Key.ToString()!.StartsWith(DownPrefix, StringComparison.Ordinal))
            throw new IOException($"Storage unreachable for {grainId} (test outage).");
        string etag = Guid.NewGuid().ToString("N");
        _data[(stateName, grainId)] = (grainState.State!, etag);
        grainState.ETag = etag;
        grainState.RecordExists = true;
        return Task.CompletedTask;
    }

    public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        _data.TryRemove((stateName, grainId), out _);
        grainState.RecordExists = false;
        return Task.CompletedTask;
    }

    public void Participate(ISiloLifecycle lifecycle) { }
}

/// <summary>A grain failing after validation: 503 naming the users whose events were persisted, never a 500; a retry is safe.</summary>
public sealed class StorageFailureTests : IAsyncLifetime
{
    private sealed class Factory() : GatewayFactoryBase(GatewayFactory.BaseSettings())
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            builder.ConfigureTestServices(s => s.AddKeyedSingleton<IGrainStorage>(Grains.StorageNames.Users, (_, _) => new PartlyDownUserStorage()));
        }
    }

    private readonly Factory _factory = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _factory.DisposeAsync();

    [Fact]
    public async Task PostEvents_StorageDownForOneUser_503NamingPersistedUsers_RetrySafe()
    {
        using var client = _factory.Client();
        string batch = """
            [{"event_id":"s1","user_id":"fine-1","item_id":"i1","type":"view"},
             {"event_id":"s2","user_id":"down-1","item_id":"i2","type":"view"},
             {"event_id":"s3","user_id":"fine-2","item_id":"i3","type":"purchase"}]
            """;
        var problem = await (await client.PostJsonAsync("/v1/events", batch)).AssertProblemAsync(HttpStatusCode.ServiceUnavailable);
        Assert.Equal(["fine-1", "fine-2"], problem.GetProperty("persisted_users").EnumerateArray().Select(u => u.GetString()));
        Assert.True(problem.GetProperty("failed_users").TryGetProperty("down-1", out _));
        Assert.Equal(2, problem.GetProperty("accepted").GetInt32());

        var retry = await (await client.PostJsonAsync("/v1/events", batch)).AssertProblemAsync(HttpStatusCode.ServiceUnavailable);
        Assert.Equal(0, retry.GetProperty("accepted").GetInt32());
        Assert.Equal(2, retry.GetProperty("duplicates").GetInt32());

        var history = (await (await client.GetAsync("/v1/users/fine-1")).JsonAsync()).GetProperty("history");
        Assert.Equal(1, history.GetArrayLength());
        await (await client.GetAsync("/v1/users/down-1")).AssertProblemAsync(HttpStatusCode.NotFound);
    }
}
