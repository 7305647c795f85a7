using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using Orleans.Configuration;

namespace OrleansReco.Grains.Users;

/// <summary>
/// The user store in this process's memory (the embedded default; nothing outlives the process), shared by the
/// silos of one cluster (service and cluster id) that this process hosts (a test cluster hosts several), so a user
/// reactivated on another of them finds its state. It keeps the encoded records, as a real store would, so a
/// reactivation reads back exactly what was written: per user a snapshot and the entries appended after it.
/// Thread-safe.
/// </summary>
public sealed class MemoryUserStore(IOptions<ClusterOptions> cluster) : IUserStore
{
    private sealed class Record
    {
        public byte[]? Snapshot;
        public readonly List<byte[]> Log = [];
        public long Version;
    }

    private static readonly ConcurrentDictionary<string, ConcurrentDictionary<string, Record>> Services = new(StringComparer.Ordinal);

    private readonly ConcurrentDictionary<string, Record> _users =
        Services.GetOrAdd($"{cluster.Value.ServiceId}/{cluster.Value.ClusterId}", _ => new ConcurrentDictionary<string, Record>(StringComparer.Ordinal));

    public Task<StoredUser> LoadAsync(string userId)
    {
        if (!_users.TryGetValue(userId, out var record)) return Task.FromResult(StoredUser.None);
        byte[]? snapshot;
        byte[][] log;
        long version;
        lock (record)
        {
            snapshot = record.Snapshot;
            log = [.. record.Log];
            version = record.Version;
        }
        return Task.FromResult(UserFormat.Decode($"memory:user:{userId}", version, snapshot, log));
    }

    public Task<long> AppendAsync(string userId, long version, long archivedThrough, ReadOnlyMemory<EventRecord> events)
    {
        var entry = UserFormat.EncodeEntry(version + 1, archivedThrough, events.Span);
        var record = _users.GetOrAdd(userId, _ => new Record());
        lock (record)
        {
            Check(userId, record, version);
            record.Log.Add(entry);
            return Task.FromResult(++record.Version);
        }
    }

    public Task<long> WriteSnapshotAsync(string userId, long version, UserData user)
    {
        var snapshot = UserFormat.EncodeSnapshot(user, version + 1);
        var record = _users.GetOrAdd(userId, _ => new Record());
        lock (record)
        {
            Check(userId, record, version);
            record.Snapshot = snapshot;
            record.Log.Clear();
            return Task.FromResult(++record.Version);
        }
    }

    private static void Check(string userId, Record record, long expected)
    {
        if (record.Version != expected)
            throw new StoreVersionConflictException($"User '{userId}': stored version {record.Version}, the writer expected {expected}.");
    }
}
