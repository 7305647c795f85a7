using System.Collections.Concurrent;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Orleans.TestingHost;
using OrleansReco.Core.Data;
using OrleansReco.Core.Data.Synthetic;
using OrleansReco.GrainInterfaces;
using OrleansReco.Grains.Events;

namespace OrleansReco.Grains.Tests;

/// <summary>
/// One event archive shared by every silo of a test cluster (key <see cref="Key"/> in the host configuration), as
/// the Redis archive is shared by the silos of a real cluster; in-process silos otherwise keep one each.
/// </summary>
public sealed class SharedArchiveConfigurator : ISiloConfigurator
{
    public const string Key = "Reco:Test:SharedArchive";
    private static readonly ConcurrentDictionary<string, MemoryEventArchive> Archives = new();

    public static MemoryEventArchive For(string name) => Archives.GetOrAdd(name, _ => new MemoryEventArchive());

    public void Configure(ISiloBuilder silo)
    {
        if (silo.Configuration[Key] is { } name) silo.Services.AddSingleton<IEventArchive>(For(name));
    }
}

/// <summary>
/// A cluster with a training silo (the primary, role <c>train</c>) and two serving silos, no model at start, and a
/// small synthetic shop (catalogue, profiles, events) recorded through the grains, so the trainer reads it from the
/// archive and the shards. <see cref="Interval"/> zero: runs start only on admin calls.
/// </summary>
public class TrainerFixture : IAsyncLifetime
{
    public const string Catalog = ItemSharding.DefaultCatalog;
    public TestCluster Cluster { get; private set; } = null!;
    public InteractionDataset Data { get; private set; } = null!;

    /// <summary>When every event of <see cref="Data"/> had been recorded (a scheduled run may start before).</summary>
    public DateTimeOffset SeededAt { get; private set; }

    /// <summary>Each training run that ends (<c>reco.training.runs</c>, recorded once the run is in the trainer's status).</summary>
    public MetricSignal RunsEnded { get; private set; } = null!;

    /// <summary>Each shard that swaps in the index of a new model version (<c>reco.index.swap.time</c>).</summary>
    public MetricSignal IndexSwaps { get; private set; } = null!;

    protected virtual TimeSpan Interval => TimeSpan.Zero;
    protected virtual int Silos => 3;

    public async Task InitializeAsync()
    {
        var builder = new TestClusterBuilder(initialSilosCount: (short)Silos);
        builder.ConfigureHostConfiguration(c => c.AddInMemoryCollection(new Dictionary<string, string?>
        {
            [TestSiloConfigurator.PrimaryRoleKey] = "train",
            [SharedArchiveConfigurator.Key] = Guid.NewGuid().ToString("n"),
            ["Reco:Model:SyncInterval"] = "00:00:02",
            ["Reco:Shards:Count"] = "4",
            ["Reco:Trainer:Interval"] = Interval.ToString(),
            ["Reco:Trainer:MinEvents"] = "500",
            ["Reco:Trainer:MinEvaluationUsers"] = "10",
            ["Reco:Trainer:Tolerance"] = "0.05",
            ["Reco:Trainer:Model:Dimension"] = "16",
            ["Reco:Trainer:Model:ItemHidden:0"] = "32",
            ["Reco:Trainer:Model:UserHidden:0"] = "32",
            ["Reco:Trainer:Model:TextBuckets"] = "1024",
            ["Reco:Trainer:Model:Epochs"] = "6",
            ["Reco:Trainer:Model:BatchSize"] = "256",
            ["Reco:Trainer:Model:Threads"] = "1",
        }));
        builder.AddSiloBuilderConfigurator<SharedArchiveConfigurator>();
        builder.AddSiloBuilderConfigurator<TestSiloConfigurator>();
        Cluster = builder.Build();
        await Cluster.DeployAsync();
        RunsEnded = new MetricSignal(Cluster, "reco.training.runs");
        IndexSwaps = new MetricSignal(Cluster, "reco.index.swap.time");
        Data = SyntheticGenerator.Generate(new SyntheticOptions { Users = 200, Items = 150, Events = 6_000, Seed = 11, ArabicShare = 0.2 });
        await SeedAsync(Cluster.GrainFactory, Data);
        SeededAt = DateTimeOffset.UtcNow;
    }

    /// <summary>Records a data set through the grains: items into the shards, profiles and events into the users.</summary>
    public static async Task SeedAsync(IGrainFactory grains, InteractionDataset data)
    {
        var table = data.Items!;
        var items = table.Keys.Select((id, i) => new CatalogItem(id, table.Features(i))).ToArray();
        await grains.GetGrain<ICatalogGrain>(Catalog).UpsertItemsAsync(items);
        var byUser = data.Interactions.GroupBy(e => e.UserId).ToList();
        await Parallel.ForEachAsync(byUser, new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (events, _) =>
        {
            var user = grains.GetGrain<IUserGrain>(events.Key);
            if (data.Users?.Features(events.Key) is { } profile)
                await user.SetProfileAsync(profile);
            await user.RecordEventsAsync(events.Select(UserEvent.From).ToArray());
        });
    }

    /// <summary>
    /// Waits until a run <paramref name="which"/> picks has ended and returns it: the trainer's status is read now and
    /// again each time a run ends. The failure names <paramref name="phase"/>, the trainer's silo and what it is doing.
    /// </summary>
    public async Task<TrainingRunInfo> WaitForRunAsync(Func<TrainingRunInfo, bool> which, string phase, TimeSpan? timeout = null)
    {
        var trainer = Cluster.GrainFactory.Trainer();
        TrainerStatus? status = null;
        TrainingRunInfo? ended = null;
        await RunsEnded.WaitUntilAsync(async () =>
        {
            status = await trainer.GetStatusAsync();
            ended = status.Recent.FirstOrDefault(r => which(r) && r.State != TrainingRunState.Running);
            return ended is not null;
        }, timeout ?? TimeSpan.FromSeconds(90), () =>
            $"{phase}: the training run did not end; the trainer on silo {status?.Silo ?? "(no answer)"} is "
            + (status?.Current is { } current ? $"in run {current.RunId}, phase {current.Phase}" : "idle")
            + $", last runs: {string.Join(", ", status?.Recent.Take(3).Select(r => $"{r.RunId} {r.State}") ?? [])}");
        return ended!;
    }

    public async Task DisposeAsync()
    {
        RunsEnded?.Dispose();
        IndexSwaps?.Dispose();
        await Cluster.DisposeAsync();
    }
}

[CollectionDefinition(Name)]
public sealed class TrainerCollection : ICollectionFixture<TrainerFixture>
{
    public const string Name = "trainer";
}

/// <summary>The same cluster with a 2-second schedule and one serving silo.</summary>
public sealed class ScheduledTrainerFixture : TrainerFixture
{
    protected override TimeSpan Interval => TimeSpan.FromSeconds(2);
    protected override int Silos => 2;
}
