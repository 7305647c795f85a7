using OrleansReco.Grains.Storage;

namespace OrleansReco.Grains.Items;

/// <summary>
/// Where item shards keep their items: one stored entry per item (key: the shard, <c>catalogue/index</c>; entry: the
/// item id), so an upsert writes only the items it changes and a removal deletes only theirs. A shard reads all its
/// entries on activation and rebuilds its index from them.
/// </summary>
public interface IItemShardStore
{
    /// <summary>Adds every stored item of <paramref name="shard"/> to <paramref name="items"/>.</summary>
    Task LoadAsync(string shard, Dictionary<string, StoredItem> items);

    /// <summary>Writes these items' entries (added or replaced), all or none.</summary>
    Task UpsertAsync(string shard, IReadOnlyList<KeyValuePair<string, StoredItem>> items);

    /// <summary>Deletes these items' entries.</summary>
    Task RemoveAsync(string shard, IReadOnlyList<string> itemIds);
}

/// <summary>One stored item (kind <c>'I'</c>): availability, then features and metadata as maps.</summary>
public static class ItemFormat
{
    private const byte Kind = (byte)'I';

    public static byte[] Encode(StoredItem item)
    {
        using var buffer = new MemoryStream(64);
        using (var w = StoredFormat.Begin(buffer, Kind))
        {
            w.Write(item.Available);
            w.WriteMap(item.Features);
            w.WriteMap(item.Metadata);
        }
        return buffer.ToArray();
    }

    /// <summary>Reads an item; <paramref name="key"/> names the shard's stored key and the item in errors.</summary>
    public static StoredItem Decode(byte[] data, string key) =>
        StoredFormat.Read(data, Kind, "item", key, r => new StoredItem { Available = r.ReadBoolean(), Features = r.ReadMap(), Metadata = r.ReadMap() });
}
