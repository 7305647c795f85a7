using StackExchange.Redis;

namespace OrleansReco.Silo.Events;

/// <summary>
/// Trims a Redis Stream below the first entry that some consumer group has not acknowledged, so that a stream the
/// silos consume does not grow without bound: every group's lowest pending id, or for a group with nothing pending
/// the entry after its last-delivered id. <c>XTRIM MINID ~</c> removes only whole stream nodes below that point.
/// </summary>
public static class StreamTrimmer
{
    /// <summary>Trims <paramref name="key"/>; returns how many entries Redis removed (0 when it has no group).</summary>
    public static async Task<long> TrimAcknowledgedAsync(IDatabase db, RedisKey key)
    {
        ArgumentNullException.ThrowIfNull(db);
        if (await FirstUnacknowledgedAsync(db, key) is not { } first) return 0;
        return await db.StreamTrimByMinIdAsync(key, first, useApproximateMaxLength: true);
    }

    /// <summary>The lowest entry id not acknowledged by every group; null when the stream has no group.</summary>
    public static async Task<RedisValue?> FirstUnacknowledgedAsync(IDatabase db, RedisKey key)
    {
        ArgumentNullException.ThrowIfNull(db);
        if (!await db.KeyExistsAsync(key)) return null;
        RedisValue? lowest = null;
        foreach (var group in await db.StreamGroupInfoAsync(key))
        {
            RedisValue first = group.PendingMessageCount > 0
                ? (await db.StreamPendingAsync(key, group.Name)).LowestPendingMessageId
                : After(group.LastDeliveredId ?? "0-0");
            if (lowest is null || StreamIds.Compare(first, lowest.Value) < 0) lowest = first;
        }
        return lowest;
    }

    /// <summary>The smallest id after <paramref name="id"/>.</summary>
    private static RedisValue After(string id)
    {
        var (ms, seq) = StreamIds.Parse(id);
        return seq == ulong.MaxValue ? $"{ms + 1}-0" : $"{ms}-{seq + 1}";
    }
}
