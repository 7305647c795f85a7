using OrleansReco.Core.Data;
using OrleansReco.Core.Model;
using OrleansReco.Core.Runtime;
using OrleansReco.Training.Torch;
using OrleansReco.GrainInterfaces;
using OrleansReco.Grains.Events;

namespace OrleansReco.Trainer;

/// <summary>Reads what a run trains on from the cluster: the archived events, every item of the catalog's shards, and the users' profiles.</summary>
public static class TrainingSource
{
    /// <summary>Items per page read from a shard: the dictionaries of one page are held at a time.</summary>
    private const int PageSize = 1_000;

    /// <param name="current">The current model, whose feature kinds are kept for columns it knows (so that its weights still fit).</param>
    /// <param name="priority">The run's thread budget, whose priority the thread that reads the archive takes.</param>
    public static async Task<TrainingInputs> ReadAsync(IGrainFactory grains, IEventArchive archive, TrainerOptions options, int shardCount,
        ModelBundle? current, TorchThreadBudget priority, CancellationToken cancellationToken)
    {
        // On a thread at the run's priority, not on the silo's pool threads that serve queries: reading (for the memory
        // archive, also sorting) a million events is 0.3-0.4 s of CPU, which serving would otherwise wait for.
        var events = await LowPriority.RunAwaitingAsync(priority.Nice, "reco-trainer-read",
            () => ReadEventsAsync(archive, options.MaxEvents, cancellationToken), priority.Idle);

        // Each page of items is copied into the table's arrays and dropped before the next is read, so that the run
        // never holds the whole catalogue as dictionaries: what a run keeps alive is a few large arrays, cheap for the
        // collector of a silo that serves while it trains.
        var itemTable = new FeatureTableBuilder("item_id");
        var catalog = new List<string>();
        // One thread at the run's priority copies every page, in order (not two new threads per page).
        using var copier = new LowPriorityWorker(priority.Nice, "reco-trainer-read", priority.Idle);
        for (int s = 0; s < shardCount; s++)
        {
            var shard = grains.Shard(options.Catalog, s);
            int read = 0;
            while (true)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var page = await shard.ListItemsAsync(read, PageSize);
                // Copied into the table at the run's priority: this continuation runs on the silo's pool, and a page's
                // rows (dictionaries, hashed text) are CPU work that the threads serving queries would otherwise do.
                await copier.RunAsync(() =>
                {
                    foreach (var item in page.Items)
                    {
                        itemTable.Add(item.ItemId, item.Features);
                        catalog.Add(item.ItemId);
                    }
                    return page.Items.Length;
                });
                read += page.Items.Length;
                if (page.Items.Length == 0 || read >= page.Total) break;
            }
        }
        var userTable = await LowPriority.RunAwaitingAsync(priority.Nice, "reco-trainer-read", async () =>
        {
            var users = new FeatureTableBuilder("user_id");
            await foreach (var p in archive.ReadProfilesAsync(cancellationToken)) users.Add(p.UserId, p.Features);
            return users;
        }, priority.Idle);
        // Encoding the tables (hashing every text value) at the run's priority too.
        return await copier.RunAsync(
            () => new TrainingInputs(events, itemTable.Build(Kinds(current?.Header.Item)), userTable.Build(Kinds(current?.Header.User)), catalog));
    }

    private static Dictionary<string, FeatureKind>? Kinds(TowerSpec? tower) =>
        tower?.Features.ToDictionary(f => f.Name, f => f.Kind, StringComparer.Ordinal);

    /// <summary>The newest <paramref name="maxEvents"/> archived events, in the archive's (time) order.</summary>
    private static async Task<List<Interaction>> ReadEventsAsync(IEventArchive archive, int maxEvents, CancellationToken cancellationToken)
    {
        // Sized once: a growing list would allocate about twice the events (a million at the archive's default capacity).
        var events = new List<Interaction>((int)Math.Clamp(archive.Count, 0, maxEvents));
        await foreach (var e in archive.ReadAsync(long.MinValue, long.MaxValue, cancellationToken))
            events.Add(new Interaction(e.UserId, e.ItemId, e.EventType, e.Value, e.Timestamp, e.EventId));
        if (events.Count > maxEvents) events.RemoveRange(0, events.Count - maxEvents); // keep the newest
        return events;
    }
}
