namespace OrleansReco.Grains.Users;

/// <summary>
/// The recent event ids of a user as 64-bit hashes, oldest first (a queue of longs) with a set for lookups: about
/// 16 bytes per id in memory and 8 in a snapshot, whatever the ids' length. Two different ids share a hash with
/// probability about n²/2⁶⁵ (1.4e-14 for a window of 1,000), the chance that a new event is taken for a repeat.
/// </summary>
public sealed class EventIdWindow
{
    private readonly Queue<long> _order = new();
    private readonly HashSet<long> _set = [];

    public int Count => _order.Count;

    /// <summary>Remembers <paramref name="eventId"/>; false when it is remembered already.</summary>
    public bool Add(string eventId) => Add(Hash(eventId));

    /// <summary>Remembers a hash (as read from a snapshot); false when it is remembered already.</summary>
    public bool Add(long hash)
    {
        if (!_set.Add(hash)) return false;
        _order.Enqueue(hash);
        return true;
    }

    public bool Contains(string eventId) => _set.Contains(Hash(eventId));

    /// <summary>Forgets the oldest ids beyond <paramref name="window"/>.</summary>
    public void Trim(int window)
    {
        while (_order.Count > window) _set.Remove(_order.Dequeue());
    }

    /// <summary>The hashes, oldest first.</summary>
    public long[] ToArray() => _order.ToArray();

    /// <summary>
    /// A stable 64-bit hash of the id (it is persisted, so never <see cref="string.GetHashCode()"/>): FNV-1a over the
    /// UTF-16 code units, then the MurmurHash3 finaliser to spread the bits.
    /// </summary>
    public static long Hash(string eventId)
    {
        ulong h = 14695981039346656037UL;
        foreach (char c in eventId)
        {
            h = (h ^ (byte)c) * 1099511628211UL;
            h = (h ^ (byte)(c >> 8)) * 1099511628211UL;
        }
        h ^= h >> 33;
        h *= 0xff51afd7ed558ccdUL;
        h ^= h >> 33;
        h *= 0xc4ceb9fe1a85ec53UL;
        h ^= h >> 33;
        return (long)h;
    }
}
