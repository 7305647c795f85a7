using System.Numerics;

namespace OrleansReco.Core.Index;

/// <summary>
/// Decides, per item id, whether a search may return the item. It is evaluated inside the graph
/// walk for every node that could enter the result set, so <see cref="Allows"/> must be cheap.
/// Implement it on a struct and call the generic <c>Search&lt;TFilter&gt;</c> to avoid interface calls.
/// </summary>
public interface IVectorFilter
{
    /// <summary>True when the item with this caller id may be returned.</summary>
    bool Allows(int id);

    /// <summary>How many ids pass, when known cheaply; -1 when unknown (the index then samples).
    /// Used to widen ef or to switch to an exact scan when the filter is very selective.</summary>
    int AllowedCountHint => -1;
}

/// <summary>A filter over caller ids 0..capacity-1 backed by a bitset; ids outside the range are rejected.</summary>
public sealed class BitsetFilter : IVectorFilter
{
    private readonly ulong[] _bits;
    private int _count;

    /// <summary>Creates an empty filter (nothing allowed) for ids in [0, <paramref name="capacity"/>).</summary>
    public BitsetFilter(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(capacity);
        Capacity = capacity;
        _bits = new ulong[(capacity + 63) >> 6];
    }

    /// <summary>Exclusive upper bound of the ids this filter can hold.</summary>
    public int Capacity { get; }

    /// <summary>Number of allowed ids.</summary>
    public int Count => _count;

    /// <inheritdoc />
    public int AllowedCountHint => _count;

    /// <summary>Allows <paramref name="id"/>.</summary>
    public void Set(int id)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(id);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(id, Capacity);
        ref ulong word = ref _bits[id >> 6];
        ulong mask = 1UL << (id & 63);
        if ((word & mask) == 0) { word |= mask; _count++; }
    }

    /// <summary>Disallows <paramref name="id"/>.</summary>
    public void Clear(int id)
    {
        if ((uint)id >= (uint)Capacity) return;
        ref ulong word = ref _bits[id >> 6];
        ulong mask = 1UL << (id & 63);
        if ((word & mask) != 0) { word &= ~mask; _count--; }
    }

    /// <summary>Allows every id in [0, Capacity).</summary>
    public void SetAll()
    {
        Array.Fill(_bits, ulong.MaxValue);
        int tail = Capacity & 63;
        if (tail != 0) _bits[^1] = (1UL << tail) - 1;
        _count = Capacity;
    }

    /// <inheritdoc />
    public bool Allows(int id) => (uint)id < (uint)Capacity && (_bits[id >> 6] & (1UL << (id & 63))) != 0;

    /// <summary>Recounts set bits (after external edits, none today); exposed for tests.</summary>
    internal int Recount()
    {
        int total = 0;
        foreach (ulong w in _bits) total += BitOperations.PopCount(w);
        return total;
    }
}

/// <summary>A filter from a delegate; convenient but slower than <see cref="BitsetFilter"/> or a struct filter.</summary>
public sealed class PredicateFilter(Func<int, bool> predicate, int allowedCountHint = -1) : IVectorFilter
{
    /// <inheritdoc />
    public bool Allows(int id) => predicate(id);

    /// <inheritdoc />
    public int AllowedCountHint => allowedCountHint;
}

/// <summary>The filter that allows everything; lets the JIT drop the check from the search loop.</summary>
internal readonly struct NoFilter : IVectorFilter
{
    public bool Allows(int id) => true;
}
