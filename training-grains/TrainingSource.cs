using OrleansReco.Core.Data;
using OrleansReco.Core.Model;
using OrleansReco.GrainInterfaces;
using OrleansReco.Grains.Events;

namespace OrleansReco.Trainer;

/// <summary>Reads what a run trains on from the cluster: the archived events, every item of the catalog's shards, and the users' profiles.</summary>
public static class TrainingSource
{
    private const int PageSize = 5_000;

    /// <param name="current">The current model, whose feature kinds are kept for columns it knows (so that its weights still fit).</param>
    public static async Task<TrainingInputs> ReadAsync(IGrainFactory grains, IEventArchive archive, TrainerOptions options, int shardCount,
        ModelBundle? current, CancellationToken cancellationToken)
    {
        var events = new List<Interaction>();
        await foreach (var e in archive.ReadAsync(long.MinValue, long.MaxValue, cancellationToken))
            events.Add(new Interaction(e.UserId, e.ItemId, e.EventType, e.Value, e.Timestamp, e.EventId));
        if (events.Count > options.MaxEvents) events.RemoveRange(0, events.Count - options.MaxEvents);

        var shards = await Task.WhenAll(Enumerable.Range(0, shardCount).Select(s => ReadShardAsync(grains.Shard(options.Catalog, s), cancellationToken)));
        var items = shards.SelectMany(s => s).ToList();
        var profiles = new List<ArchivedProfile>();
        await foreach (var p in archive.ReadProfilesAsync(cancellationToken)) profiles.Add(p);

        var itemTable = FeatureTables.FromDictionaries("item_id",
            items.Select(i => (i.ItemId, (IReadOnlyDictionary<string, string>?)i.Features)), Kinds(current?.Header.Item));
        var userTable = FeatureTables.FromDictionaries("user_id", profiles.Select(p => (p.UserId, (IReadOnlyDictionary<string, string>?)p.Features)),
            Kinds(current?.Header.User));
        return new TrainingInputs(events, itemTable, userTable, items.Select(i => i.ItemId).ToList());
    }

    private static async Task<List<CatalogItem>> ReadShardAsync(IItemShardGrain shard, CancellationToken cancellationToken)
    {
        var items = new List<CatalogItem>();
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var page = await shard.ListItemsAsync(items.Count, PageSize);
            items.AddRange(page.Items);
            if (page.Items.Length == 0 || items.Count >= page.Total) return items;
        }
    }

    private static Dictionary<string, FeatureKind>? Kinds(TowerSpec? tower) =>
        tower?.Features.ToDictionary(f => f.Name, f => f.Kind, StringComparer.Ordinal);
}
