using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using Orleans.Configuration;

namespace OrleansReco.Grains.Items;

/// <summary>
/// The shard store in this process's memory (the embedded default; nothing outlives the process), shared by the
/// silos of one cluster (service and cluster id) that this process hosts: per shard the encoded entry of each item,
/// as a real store would keep it. Thread-safe.
/// </summary>
public sealed class MemoryItemShardStore(IOptions<ClusterOptions> cluster) : IItemShardStore
{
    private static readonly ConcurrentDictionary<string, ConcurrentDictionary<string, ConcurrentDictionary<string, byte[]>>> Services = new(StringComparer.Ordinal);

    private readonly ConcurrentDictionary<string, ConcurrentDictionary<string, byte[]>> _shards =
        Services.GetOrAdd($"{cluster.Value.ServiceId}/{cluster.Value.ClusterId}", _ => new(StringComparer.Ordinal));

    public Task LoadAsync(string shard, Dictionary<string, StoredItem> items)
    {
        if (_shards.TryGetValue(shard, out var entries))
            foreach (var (id, bytes) in entries) items[id] = ItemFormat.Decode(bytes, $"memory:items:{shard}/{id}");
        return Task.CompletedTask;
    }

    public Task UpsertAsync(string shard, IReadOnlyList<KeyValuePair<string, StoredItem>> items)
    {
        var encoded = new KeyValuePair<string, byte[]>[items.Count];
        for (int i = 0; i < encoded.Length; i++) encoded[i] = new(items[i].Key, ItemFormat.Encode(items[i].Value));
        var entries = _shards.GetOrAdd(shard, _ => new ConcurrentDictionary<string, byte[]>(StringComparer.Ordinal));
        foreach (var (id, bytes) in encoded) entries[id] = bytes;
        return Task.CompletedTask;
    }

    public Task RemoveAsync(string shard, IReadOnlyList<string> itemIds)
    {
        if (_shards.TryGetValue(shard, out var entries))
            foreach (var id in itemIds) entries.TryRemove(id, out _);
        return Task.CompletedTask;
    }
}
