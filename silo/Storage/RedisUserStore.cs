using Microsoft.Extensions.Options;
using Orleans.Configuration;
using OrleansReco.Grains.Users;
using StackExchange.Redis;

namespace OrleansReco.Silo.Storage;

/// <summary>
/// The user store in Redis. Per user two keys under the cluster's service id (the user id in braces, so both share a
/// Redis Cluster slot): <c>{ServiceId}:user:{id}</c>, a hash with the store version (<c>v</c>) and the last snapshot
/// (<c>s</c>), and <c>{ServiceId}:user:{id}:log</c>, a list with one entry per batch appended since. An append and a
/// snapshot are each one Lua script, so a snapshot and the deletion of the entries it covers happen together or not
/// at all, and each checks the version first (a stale writer fails instead of interleaving its writes).
/// </summary>
public sealed class RedisUserStore(IConnectionMultiplexer redis, IOptions<ClusterOptions> cluster) : IUserStore
{
    private const string AppendScript = """
        local v = tonumber(redis.call('HGET', KEYS[1], 'v') or '0')
        if v ~= tonumber(ARGV[1]) then return redis.error_reply('RECO_VERSION ' .. v) end
        redis.call('RPUSH', KEYS[2], ARGV[2])
        redis.call('HSET', KEYS[1], 'v', v + 1)
        return v + 1
        """;

    private const string SnapshotScript = """
        local v = tonumber(redis.call('HGET', KEYS[1], 'v') or '0')
        if v ~= tonumber(ARGV[1]) then return redis.error_reply('RECO_VERSION ' .. v) end
        redis.call('HSET', KEYS[1], 'v', v + 1, 's', ARGV[2])
        redis.call('DEL', KEYS[2])
        return v + 1
        """;

    private readonly string _prefix = $"{cluster.Value.ServiceId}:user:";

    /// <summary>The hash holding a user's version and snapshot.</summary>
    public string UserKey(string userId) => $"{_prefix}{{{userId}}}";

    /// <summary>The list of entries appended since the snapshot.</summary>
    public string LogKey(string userId) => $"{_prefix}{{{userId}}}:log";

    public async Task<StoredUser> LoadAsync(string userId)
    {
        string key = UserKey(userId);
        var transaction = redis.GetDatabase().CreateTransaction();
        var meta = transaction.HashGetAllAsync(key);
        var log = transaction.ListRangeAsync(LogKey(userId));
        await transaction.ExecuteAsync();
        var fields = await meta;
        if (fields.Length == 0) return StoredUser.None;
        long version = 0;
        byte[]? snapshot = null;
        foreach (var field in fields)
        {
            if (field.Name == "v") version = (long)field.Value;
            else if (field.Name == "s") snapshot = (byte[])field.Value!;
        }
        var entries = await log;
        var bytes = new byte[entries.Length][];
        for (int i = 0; i < bytes.Length; i++) bytes[i] = (byte[])entries[i]!;
        return UserFormat.Decode(key, version, snapshot, bytes);
    }

    public Task<long> AppendAsync(string userId, long version, long archivedThrough, ReadOnlyMemory<EventRecord> events) =>
        RunAsync(AppendScript, userId, version, UserFormat.EncodeEntry(version + 1, archivedThrough, events.Span));

    public Task<long> WriteSnapshotAsync(string userId, long version, UserData user) =>
        RunAsync(SnapshotScript, userId, version, UserFormat.EncodeSnapshot(user, version + 1));

    private async Task<long> RunAsync(string script, string userId, long version, byte[] record)
    {
        try
        {
            // StackExchange.Redis sends the script once and EVALSHA afterwards.
            var result = await redis.GetDatabase().ScriptEvaluateAsync(script, [UserKey(userId), LogKey(userId)], [version, record]);
            return (long)result;
        }
        catch (RedisServerException e) when (e.Message.StartsWith("RECO_VERSION", StringComparison.Ordinal))
        {
            throw new StoreVersionConflictException(
                $"User '{userId}' ({UserKey(userId)}): stored version {e.Message["RECO_VERSION ".Length..]}, the writer expected {version}.");
        }
    }
}
