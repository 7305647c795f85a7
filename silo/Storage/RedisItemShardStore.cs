using Microsoft.Extensions.Options;
using Orleans.Configuration;
using OrleansReco.Grains.Items;
using StackExchange.Redis;

namespace OrleansReco.Silo.Storage;

/// <summary>
/// The shard store in Redis: per shard one hash <c>{ServiceId}:items:{catalogue/index}</c>, field = item id, value =
/// the item's binary record. An upsert is one <c>HSET</c> of the changed items, a removal one <c>HDEL</c>; a shard
/// reads its hash with <c>HSCAN</c> in pages, so a shard of 1,000,000 items is never one value or one reply.
/// </summary>
public sealed class RedisItemShardStore(IConnectionMultiplexer redis, IOptions<ClusterOptions> cluster) : IItemShardStore
{
    /// <summary>Fields asked for per HSCAN call.</summary>
    public const int ScanPageSize = 1000;

    private readonly string _prefix = $"{cluster.Value.ServiceId}:items:";

    /// <summary>The hash holding a shard's items.</summary>
    public string ShardKey(string shard) => $"{_prefix}{{{shard}}}";

    public async Task LoadAsync(string shard, Dictionary<string, StoredItem> items)
    {
        string key = ShardKey(shard);
        await foreach (var entry in redis.GetDatabase().HashScanAsync(key, pageSize: ScanPageSize))
        {
            string id = entry.Name!;
            items[id] = ItemFormat.Decode((byte[])entry.Value!, $"{key} field {id}");
        }
    }

    public Task UpsertAsync(string shard, IReadOnlyList<KeyValuePair<string, StoredItem>> items)
    {
        var fields = new HashEntry[items.Count];
        for (int i = 0; i < fields.Length; i++) fields[i] = new HashEntry(items[i].Key, ItemFormat.Encode(items[i].Value));
        return redis.GetDatabase().HashSetAsync(ShardKey(shard), fields);
    }

    public Task RemoveAsync(string shard, IReadOnlyList<string> itemIds)
    {
        var fields = new RedisValue[itemIds.Count];
        for (int i = 0; i < fields.Length; i++) fields[i] = itemIds[i];
        return redis.GetDatabase().HashDeleteAsync(ShardKey(shard), fields);
    }
}
