using System.Runtime.CompilerServices;
using OrleansReco.Core.Data;
using OrleansReco.GrainInterfaces;
using OrleansReco.Grains.Events;
using OrleansReco.Trainer;
using OrleansReco.Training.Torch;

namespace OrleansReco.Grains.Tests;

/// <summary>
/// A run reads what it trains on at its own priority: on a silo that serves, the archive's events and the users'
/// profiles are read, and the tables built, on a thread of the run's nice value, never on the pool threads that serve.
/// </summary>
public sealed class TrainingSourceTests
{
    [Fact]
    public async Task ReadAsync_ReadsEventsAndProfiles_OnAThreadOfTheRunsPriority()
    {
        var archive = new RecordingArchive();

        var inputs = await TrainingSource.ReadAsync(grains: null!, archive, new TrainerOptions(), shardCount: 0, current: null,
            new TorchThreadBudget(IntraOp: 1, InterOp: 1, Nice: 7), CancellationToken.None);

        Assert.Equal(["i1", "i2", "i1"], inputs.Events.Select(e => e.ItemId));
        var users = Assert.IsType<FeatureTable>(inputs.Users);
        Assert.Equal("30", users.Features("u2")!["age"]);
        Assert.Equal(("reco-trainer-read", 7), archive.EventsReadOn);
        Assert.Equal(("reco-trainer-read", 7), archive.ProfilesReadOn);
        Assert.Equal(0, TorchThreads.CurrentNice()); // the caller goes on at its own priority
    }

    /// <summary>An archive held in memory (as the memory archive is) that records which thread read it, and at what nice value.</summary>
    private sealed class RecordingArchive : IEventArchive
    {
        public (string? Name, int Nice) EventsReadOn { get; private set; }
        public (string? Name, int Nice) ProfilesReadOn { get; private set; }
        public long Count => 3;

        public ValueTask AppendAsync(string userId, IReadOnlyList<UserEvent> events, CancellationToken cancellationToken = default) =>
            throw new NotSupportedException();

        public ValueTask SaveProfileAsync(string userId, IReadOnlyDictionary<string, string> features, CancellationToken cancellationToken = default) =>
            throw new NotSupportedException();

        public async IAsyncEnumerable<ArchivedEvent> ReadAsync(long fromTimestamp, long toTimestamp, [EnumeratorCancellation] CancellationToken cancellationToken = default)
        {
            EventsReadOn = (Thread.CurrentThread.Name, TorchThreads.CurrentNice());
            yield return new ArchivedEvent("u1", "e1", "i1", "view", 1, 100);
            yield return new ArchivedEvent("u2", "e2", "i2", "purchase", 1, 200);
            yield return new ArchivedEvent("u1", "e3", "i1", "view", 1, 300);
            await Task.CompletedTask;
        }

        public async IAsyncEnumerable<ArchivedProfile> ReadProfilesAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
        {
            ProfilesReadOn = (Thread.CurrentThread.Name, TorchThreads.CurrentNice());
            yield return new ArchivedProfile("u1", new Dictionary<string, string> { ["age"] = "25" });
            yield return new ArchivedProfile("u2", new Dictionary<string, string> { ["age"] = "30" });
            await Task.CompletedTask;
        }
    }
}
