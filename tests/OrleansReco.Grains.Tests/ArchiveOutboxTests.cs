using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Orleans.TestingHost;
using OrleansReco.GrainInterfaces;
using OrleansReco.Grains.Events;
using OrleansReco.Grains.Users;

namespace OrleansReco.Grains.Tests;

/// <summary>An event archive that refuses appends while <see cref="Down"/> is set (an archive outage after the state write).</summary>
public sealed class SwitchableArchive : IEventArchive
{
    public static readonly MemoryEventArchive Inner = new();
    public static volatile bool Down;

    public ValueTask AppendAsync(string userId, IReadOnlyList<UserEvent> events, CancellationToken cancellationToken = default) =>
        Down ? ValueTask.FromException(new IOException("Event archive unreachable (test outage).")) : Inner.AppendAsync(userId, events, cancellationToken);

    public IAsyncEnumerable<ArchivedEvent> ReadAsync(long fromTimestamp, long toTimestamp, CancellationToken cancellationToken = default) =>
        Inner.ReadAsync(fromTimestamp, toTimestamp, cancellationToken);

    public ValueTask SaveProfileAsync(string userId, IReadOnlyDictionary<string, string> features, CancellationToken cancellationToken = default) =>
        Inner.SaveProfileAsync(userId, features, cancellationToken);

    public IAsyncEnumerable<ArchivedProfile> ReadProfilesAsync(CancellationToken cancellationToken = default) => Inner.ReadProfilesAsync(cancellationToken);

    public long Count => Inner.Count;

    public sealed class Configurator : ISiloConfigurator
    {
        public void Configure(ISiloBuilder silo) => silo.Services.AddSingleton<IEventArchive, SwitchableArchive>();
    }
}

/// <summary>The archive gets every acknowledged event, also when it fails after the user's state was written.</summary>
public sealed class ArchiveOutboxTests : IAsyncLifetime
{
    private TestCluster _cluster = null!;
    private string _modelPath = "";

    public async Task InitializeAsync()
    {
        _modelPath = SmallModel.Write("outbox-v1", seed: 7);
        var builder = new TestClusterBuilder(initialSilosCount: 1);
        builder.ConfigureHostConfiguration(c => c.AddInMemoryCollection(new Dictionary<string, string?> { ["Reco:Model:Path"] = _modelPath }));
        builder.AddSiloBuilderConfigurator<TestSiloConfigurator>();
        builder.AddSiloBuilderConfigurator<SwitchableArchive.Configurator>();
        _cluster = builder.Build();
        await _cluster.DeployAsync();
    }

    public async Task DisposeAsync()
    {
        SwitchableArchive.Down = false;
        await _cluster.DisposeAsync();
        File.Delete(_modelPath);
    }

    private static async Task<List<string>> ArchivedIdsAsync(string userId) =>
        [.. (await SwitchableArchive.Inner.ReadAsync(0, long.MaxValue).ToListAsync()).Where(e => e.UserId == userId).Select(e => e.EventId!)];

    [Fact]
    public async Task ArchiveDownAfterTheStateWrite_EventsAcknowledged_ArchivedOnceWhenItRecovers()
    {
        string userId = TestData.Unique("outbox");
        var user = _cluster.GrainFactory.GetGrain<IUserGrain>(userId);
        await user.RecordEventsAsync([TestData.Event("item-1", eventId: "o-1")]);

        SwitchableArchive.Down = true;
        var ack = await user.RecordEventsAsync([TestData.Event("item-2", eventId: "o-2")]);
        Assert.Equal(1, ack.Accepted);
        Assert.Equal(["o-1"], await ArchivedIdsAsync(userId));

        SwitchableArchive.Down = false;
        await user.RecordEventsAsync([TestData.Event("item-3", eventId: "o-3")]);
        Assert.Equal(["o-1", "o-2", "o-3"], await ArchivedIdsAsync(userId));

        // Down across a deactivation: the outbox is stored in the snapshot and sent on the next activation.
        SwitchableArchive.Down = true;
        await user.RecordEventsAsync([TestData.Event("item-4", eventId: "o-4")]);
        await _cluster.GrainFactory.GetGrain<IManagementGrain>(0).ForceActivationCollection(TimeSpan.Zero);
        SwitchableArchive.Down = false;
        Assert.Equal(4, (await user.GetHistoryAsync()).EventCount);
        Assert.Equal(["o-1", "o-2", "o-3", "o-4"], await ArchivedIdsAsync(userId));
    }

    [Fact]
    public async Task CrashBeforeTheArchiveWrite_LoggedBatchesNotArchived_SentOnActivation()
    {
        string userId = TestData.Unique("crashed");
        // What a silo killed between the state write and the archive write leaves: entries the archive never got
        // (the second says the first reached it).
        var services = ((InProcessSiloHandle)_cluster.Primary!).SiloHost.Services;
        var store = services.GetRequiredService<IUserStore>();
        await SwitchableArchive.Inner.AppendAsync(userId, [new UserEvent("c-1", "item-1", "view", 1f, 10)]);
        long v = await store.AppendAsync(userId, 0, 0, new[] { new EventRecord("item-1", "view", 1f, 10, "c-1") });
        v = await store.AppendAsync(userId, v, 1, new[] { new EventRecord("item-2", "view", 1f, 11, "c-2") });
        await store.AppendAsync(userId, v, 1, new[] { new EventRecord("item-3", "view", 1f, 12, "c-3") });

        var history = await _cluster.GrainFactory.GetGrain<IUserGrain>(userId).GetHistoryAsync();
        Assert.Equal(3, history.EventCount);
        Assert.Equal(["c-1", "c-2", "c-3"], await ArchivedIdsAsync(userId));
    }
}
