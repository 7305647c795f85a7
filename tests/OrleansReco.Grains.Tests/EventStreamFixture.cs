using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Orleans.TestingHost;
using OrleansReco.Grains.Telemetry;
using StackExchange.Redis;

namespace OrleansReco.Grains.Tests;

/// <summary>
/// A real Redis server and a two-silo cluster on the Redis providers whose silos consume the event stream, with
/// short timings (idle entries claimed after <see cref="ClaimIdle"/>, <see cref="MaxDeliveries"/> deliveries).
/// </summary>
public sealed class EventStreamFixture : IAsyncLifetime
{
    public static readonly TimeSpan ClaimIdle = TimeSpan.FromSeconds(1);
    public const int MaxDeliveries = 3;
    public const string Group = "reco-silos";

    public string ServiceId { get; } = $"reco-stream-{Guid.NewGuid():N}";
    public RedisServer Redis { get; private set; } = null!;
    public TestCluster Cluster { get; private set; } = null!;
    public IConnectionMultiplexer Connection { get; private set; } = null!;
    public IDatabase Db => Connection.GetDatabase();
    public string ModelPath { get; private set; } = "";

    public string StreamKey => $"{ServiceId}:events:in";
    public string DeadLetterKey => $"{StreamKey}:dead";

    public async Task InitializeAsync()
    {
        Redis = await RedisServer.StartAsync();
        ModelPath = SmallModel.Write("stream-v1", seed: 42);
        Connection = await ConnectionMultiplexer.ConnectAsync(Redis.ConnectionString);
        var builder = new TestClusterBuilder(initialSilosCount: 2);
        builder.Options.ServiceId = ServiceId;
        builder.ConfigureHostConfiguration(c => c.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Reco:Cluster:Provider"] = "Redis",
            ["Reco:Cluster:RedisConnectionString"] = Redis.ConnectionString,
            ["Reco:Model:Path"] = ModelPath,
            ["Reco:Events:Stream:ClaimIdle"] = ClaimIdle.ToString(),
            ["Reco:Events:Stream:PollInterval"] = "00:00:00.020",
            ["Reco:Events:Stream:MaxDeliveries"] = MaxDeliveries.ToString(),
            ["Reco:Events:Stream:BatchSize"] = "100",
            ["Reco:Events:Stream:ForgetIdleConsumersAfter"] = "00:00:02",
        }));
        builder.AddSiloBuilderConfigurator<TestSiloConfigurator>();
        Cluster = builder.Build();
        await Cluster.DeployAsync();
    }

    /// <summary>Counts this cluster's <c>reco.stream.events</c> by outcome from now on.</summary>
    public StreamOutcomes ListenToOutcomes() =>
        new(Cluster.Silos.Cast<InProcessSiloHandle>().Select(s => s.SiloHost.Services.GetRequiredService<IMeterFactory>()));

    /// <summary>Entries delivered to the group and not acknowledged.</summary>
    public async Task<long> PendingAsync() => (await Db.StreamPendingAsync(StreamKey, Group)).PendingMessageCount;

    public async Task DisposeAsync()
    {
        await Cluster.DisposeAsync();
        await Connection.DisposeAsync();
        await Redis.DisposeAsync();
        File.Delete(ModelPath);
    }
}

[CollectionDefinition(Name)]
public sealed class EventStreamCollection : ICollectionFixture<EventStreamFixture>
{
    public const string Name = "event-stream";
}

/// <summary>
/// Listens to <c>reco.stream.events</c> of the given silos (by their meter factories) and lets a test wait until an
/// outcome reached a count: the consumer records it after acknowledging, so the wait ends on the event itself.
/// </summary>
public sealed class StreamOutcomes : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);
    private readonly MeterListener _listener = new();
    private readonly ConcurrentDictionary<string, long> _counts = new(StringComparer.Ordinal);
    private readonly List<(string Outcome, long Count, TaskCompletionSource Done)> _waiters = [];
    private readonly Lock _lock = new();

    public StreamOutcomes(IEnumerable<IMeterFactory> silos)
    {
        var scopes = silos.Cast<object>().ToHashSet(ReferenceEqualityComparer.Instance);
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == RecoMetrics.MeterName && instrument.Name == "reco.stream.events" && instrument.Meter.Scope is { } scope && scopes.Contains(scope))
                listener.EnableMeasurementEvents(instrument);
        };
        _listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            string outcome = "";
            foreach (var tag in tags) if (tag.Key == "outcome") outcome = (string)tag.Value!;
            long total = _counts.AddOrUpdate(outcome, value, (_, v) => v + value);
            lock (_lock)
            {
                foreach (var w in _waiters) if (w.Outcome == outcome && total >= w.Count) w.Done.TrySetResult();
            }
        });
        _listener.Start();
    }

    public long this[string outcome] => _counts.GetValueOrDefault(outcome);

    /// <summary>Waits until <paramref name="outcome"/> counted at least <paramref name="count"/>; the failure names the phase.</summary>
    public async Task WaitAsync(string outcome, long count, string phase)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_lock)
        {
            if (this[outcome] >= count) return;
            _waiters.Add((outcome, count, done));
        }
        try
        {
            await done.Task.WaitAsync(Timeout);
        }
        catch (TimeoutException)
        {
            Assert.Fail($"{phase}: {outcome} reached {this[outcome]} of {count} within {Timeout.TotalSeconds} s " +
                $"(accepted {this["accepted"]}, duplicate {this["duplicate"]}, dead_letter {this["dead_letter"]}, retry {this["retry"]}).");
        }
    }

    public void Dispose() => _listener.Dispose();
}
