namespace OrleansReco.Grains.Users;

/// <summary>
/// A user as read from its store: the last snapshot (null: none yet) and the store version it covers, the entries
/// appended after it (oldest first), and the store version, the number of writes so far (0: never written).
/// </summary>
public sealed record StoredUser(UserData? Snapshot, long SnapshotVersion, IReadOnlyList<LogEntry> Tail, long Version)
{
    public static readonly StoredUser None = new(null, 0, [], 0);

    public bool IsEmpty => Version == 0;
}

/// <summary>
/// Where user grains keep their state, so that the cost of a write grows with the change, not with the state: one
/// append per accepted batch, and now and then a snapshot of the whole user that replaces the appended entries in
/// the same atomic step (a crash leaves either the old snapshot and its entries or the new snapshot alone, never an
/// event lost or counted twice). Every write names the version it expects and returns the next one; a write that
/// finds another version stored fails with <see cref="StoreVersionConflictException"/> (another activation of the
/// user wrote meanwhile), so two activations never interleave their writes.
/// </summary>
public interface IUserStore
{
    /// <summary>The user's snapshot and the entries after it.</summary>
    Task<StoredUser> LoadAsync(string userId);

    /// <summary>
    /// Appends one accepted batch; returns the new version. <paramref name="archivedThrough"/>: the version up to which
    /// the event archive has every accepted event (the outbox's progress, so a reload knows what to send again).
    /// </summary>
    Task<long> AppendAsync(string userId, long version, long archivedThrough, ReadOnlyMemory<EventRecord> events);

    /// <summary>Stores <paramref name="user"/> whole and drops the appended entries it covers; returns the new version.</summary>
    Task<long> WriteSnapshotAsync(string userId, long version, UserData user);
}

/// <summary>One appended batch: its store version, the archive's progress when it was written, its events.</summary>
public sealed record LogEntry(long Version, long ArchivedThrough, EventRecord[] Events);

/// <summary>A store write found another version than the writer expected: the writer's copy is stale.</summary>
public sealed class StoreVersionConflictException(string message) : Exception(message);
