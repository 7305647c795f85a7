using System.Net;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using OrleansReco.Grains.Users;

namespace OrleansReco.Gateway.Tests;

/// <summary>
/// A user store that fails every write for users whose id starts with <see cref="DownPrefix"/> and keeps everything
/// else in memory: a storage outage that hits some users of a batch.
/// </summary>
public sealed class PartlyDownUserStore(IOptions<Orleans.Configuration.ClusterOptions> cluster) : IUserStore
{
    public const string DownPrefix = "down-";

    private readonly MemoryUserStore _store = new(cluster);

    public Task<StoredUser> LoadAsync(string userId) => _store.LoadAsync(userId);

    public Task<long> AppendAsync(string userId, long version, long archivedThrough, ReadOnlyMemory<EventRecord> events) =>
        Down(userId) ?? _store.AppendAsync(userId, version, archivedThrough, events);

    public Task<long> WriteSnapshotAsync(string userId, long version, UserData user) =>
        Down(userId) ?? _store.WriteSnapshotAsync(userId, version, user);

    private static Task<long>? Down(string userId) => userId.StartsWith(DownPrefix, StringComparison.Ordinal)
        ? Task.FromException<long>(new IOException($"Storage unreachable for user '{userId}' (test outage)."))
        : null;
}

/// <summary>A grain failing after validation: 503 naming the users whose events were persisted, never a 500; a retry is safe.</summary>
public sealed class StorageFailureTests : IAsyncLifetime
{
    private sealed class Factory() : GatewayFactoryBase(GatewayFactory.BaseSettings())
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            builder.ConfigureTestServices(s => s.AddSingleton<IUserStore, PartlyDownUserStore>());
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

    [Fact]
    public async Task PostEvents_OneUsersBatch_StorageDown_503NamingTheUser_NothingPersisted()
    {
        // A batch of one user is recorded without the parallel loop; its failure reads the same.
        using var client = _factory.Client();
        string batch = """[{"event_id":"o1","user_id":"down-2","item_id":"i1","type":"view"},{"event_id":"o2","user_id":"down-2","item_id":"i2","type":"view"}]""";
        var problem = await (await client.PostJsonAsync("/v1/events", batch)).AssertProblemAsync(HttpStatusCode.ServiceUnavailable);
        Assert.Empty(problem.GetProperty("persisted_users").EnumerateArray());
        Assert.True(problem.GetProperty("failed_users").TryGetProperty("down-2", out _));
        Assert.Equal(0, problem.GetProperty("accepted").GetInt32());
        await (await client.GetAsync("/v1/users/down-2")).AssertProblemAsync(HttpStatusCode.NotFound);

        var fine = await client.PostJsonAsync("/v1/events", """[{"event_id":"o3","user_id":"fine-3","item_id":"i1","type":"view"},{"event_id":"o4","user_id":"fine-3","item_id":"i2","type":"view"}]""");
        Assert.Equal(HttpStatusCode.Accepted, fine.StatusCode);
        Assert.Equal(2, (await (await client.GetAsync("/v1/users/fine-3")).JsonAsync()).GetProperty("history").GetArrayLength());
    }
}
