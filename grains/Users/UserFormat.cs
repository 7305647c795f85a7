using OrleansReco.Grains.Storage;

namespace OrleansReco.Grains.Users;

/// <summary>
/// The two records of a user's store. A snapshot (kind <c>'S'</c>) holds <see cref="UserData"/> whole (with its
/// archive outbox) and the store version it covers; a log entry (kind <c>'E'</c>) holds one accepted batch, its store
/// version and the archive's progress. A user is its snapshot plus the entries with a higher version, in order.
/// </summary>
public static class UserFormat
{
    private const byte SnapshotKind = (byte)'S';
    private const byte EntryKind = (byte)'E';

    public static byte[] EncodeSnapshot(UserData user, long covers)
    {
        using var buffer = new MemoryStream(256 + 48 * user.Events.Count + 8 * user.EventIds.Count);
        using (var w = StoredFormat.Begin(buffer, SnapshotKind))
        {
            w.Write(covers);
            w.Write(user.EventCount);
            w.WriteMap(user.Profile);
            WriteEvents(w, System.Runtime.InteropServices.CollectionsMarshal.AsSpan(user.Events));
            w.WriteLongs(user.EventIds.ToArray());
            w.WriteFloats(user.Embedding ?? []);
            w.WriteNullable(user.ModelVersion);
            w.Write(user.ArchivedThrough);
            WriteEvents(w, System.Runtime.InteropServices.CollectionsMarshal.AsSpan(user.Outbox));
        }
        return buffer.ToArray();
    }

    /// <summary>Reads a snapshot; <paramref name="key"/> names it in errors.</summary>
    public static (UserData User, long Covers) DecodeSnapshot(byte[] data, string key) =>
        StoredFormat.Read(data, SnapshotKind, "user snapshot", key, r =>
        {
            long covers = r.ReadInt64();
            var user = new UserData { EventCount = r.ReadInt64() };
            user.Profile = r.ReadMap() ?? new Dictionary<string, string>(StringComparer.Ordinal);
            user.Events.AddRange(ReadEvents(r));
            foreach (long hash in r.ReadLongs()) user.EventIds.Add(hash);
            var embedding = r.ReadFloats();
            user.Embedding = embedding.Length == 0 ? null : embedding;
            user.ModelVersion = r.ReadNullable();
            if (user.Embedding is null) user.ModelVersion = null;
            user.ArchivedThrough = r.ReadInt64();
            user.Outbox.AddRange(ReadEvents(r));
            return (user, covers);
        });

    /// <summary>A user from its stored records: the snapshot (if any), then the log entries it does not cover, in order.</summary>
    public static StoredUser Decode(string key, long version, byte[]? snapshot, IReadOnlyList<byte[]> log)
    {
        UserData? user = null;
        long covers = 0;
        if (snapshot is not null) (user, covers) = DecodeSnapshot(snapshot, key);
        var tail = new List<LogEntry>(log.Count);
        foreach (var bytes in log)
        {
            var entry = DecodeEntry(bytes, key);
            if (entry.Version > covers) tail.Add(entry);
        }
        return new StoredUser(user, covers, tail, version);
    }

    public static byte[] EncodeEntry(long version, long archivedThrough, ReadOnlySpan<EventRecord> events)
    {
        using var buffer = new MemoryStream(24 + 48 * events.Length);
        using (var w = StoredFormat.Begin(buffer, EntryKind))
        {
            w.Write(version);
            w.Write(archivedThrough);
            WriteEvents(w, events);
        }
        return buffer.ToArray();
    }

    public static LogEntry DecodeEntry(byte[] data, string key) =>
        StoredFormat.Read(data, EntryKind, "user log entry", key, r => new LogEntry(r.ReadInt64(), r.ReadInt64(), ReadEvents(r)));

    private static void WriteEvents(BinaryWriter w, ReadOnlySpan<EventRecord> events)
    {
        w.Write7BitEncodedInt(events.Length);
        foreach (var e in events)
        {
            w.Write(e.ItemId);
            w.Write(e.EventType);
            w.Write(e.Value);
            w.Write(e.Timestamp);
            w.WriteNullable(e.EventId);
        }
    }

    private static EventRecord[] ReadEvents(BinaryReader r)
    {
        var events = new EventRecord[StoredFormat.Count(r, 10_000_000)];
        for (int i = 0; i < events.Length; i++)
            events[i] = new EventRecord(SharedStrings.ItemId(r.ReadString()), SharedStrings.EventType(r.ReadString()), r.ReadSingle(), r.ReadInt64(), r.ReadNullable());
        return events;
    }
}
