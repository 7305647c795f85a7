using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace OrleansReco.Core.Index;

/// <summary>A (distance, internal node) pair as kept in the search heaps.</summary>
internal struct Candidate(float distance, int node)
{
    public float Distance = distance;
    public int Node = node;
}

/// <summary>Which of two distances a heap keeps nearer its top; a struct type parameter, so each heap's
/// comparisons compile to one instruction with no per-call branch on the order.</summary>
internal interface IHeapOrder
{
    static abstract bool Above(float a, float b);
}

/// <summary>The farthest candidate on top: the bounded result set, whose top is the current bound.</summary>
internal readonly struct FarthestOnTop : IHeapOrder
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool Above(float a, float b) => a > b;
}

/// <summary>The closest candidate on top: the frontier of the walk.</summary>
internal readonly struct NearestOnTop : IHeapOrder
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool Above(float a, float b) => a < b;
}

/// <summary>
/// Binary heap of candidates over a reusable array, ordered by <typeparamref name="TOrder"/>. Grows only
/// when full, so steady-state searches do not allocate. Element access skips bounds checks: every index
/// used is below <see cref="Count"/>, which never exceeds the array length.
/// </summary>
internal sealed class CandidateHeap<TOrder>(int capacity = 256) where TOrder : struct, IHeapOrder
{
    private Candidate[] _items = new Candidate[capacity];
    private int _count;

    public int Count => _count;

    /// <summary>The top candidate; only valid while <see cref="Count"/> is positive.</summary>
    public ref readonly Candidate Top => ref MemoryMarshal.GetArrayDataReference(_items);

    public void Clear() => _count = 0;

    /// <summary>The backing items in heap order (not sorted).</summary>
    public Span<Candidate> Items => _items.AsSpan(0, _count);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Push(float distance, int node)
    {
        int i = _count;
        if (i == _items.Length) Array.Resize(ref _items, _items.Length * 2);
        _count = i + 1;
        ref Candidate items = ref MemoryMarshal.GetArrayDataReference(_items);
        while (i > 0)
        {
            int parent = (i - 1) >> 1;
            ref Candidate up = ref Unsafe.Add(ref items, parent);
            if (!TOrder.Above(distance, up.Distance)) break;
            Unsafe.Add(ref items, i) = up;
            i = parent;
        }
        Unsafe.Add(ref items, i) = new Candidate(distance, node);
    }

    public Candidate Pop()
    {
        ref Candidate items = ref MemoryMarshal.GetArrayDataReference(_items);
        var top = items;
        int n = --_count;
        if (n > 0) SiftDown(ref items, n, Unsafe.Add(ref items, n));
        return top;
    }

    /// <summary>Replaces the top with (<paramref name="distance"/>, <paramref name="node"/>): a Pop and a Push in one
    /// sift. Only valid while <see cref="Count"/> is positive.</summary>
    public void ReplaceTop(float distance, int node) =>
        SiftDown(ref MemoryMarshal.GetArrayDataReference(_items), _count, new Candidate(distance, node));

    /// <summary>Places <paramref name="item"/> into the hole at the root of the first <paramref name="n"/> items.</summary>
    private static void SiftDown(ref Candidate items, int n, Candidate item)
    {
        int i = 0;
        while (true)
        {
            int child = 2 * i + 1;
            if (child >= n) break;
            if (child + 1 < n && TOrder.Above(Unsafe.Add(ref items, child + 1).Distance, Unsafe.Add(ref items, child).Distance)) child++;
            ref Candidate down = ref Unsafe.Add(ref items, child);
            if (!TOrder.Above(down.Distance, item.Distance)) break;
            Unsafe.Add(ref items, i) = down;
            i = child;
        }
        Unsafe.Add(ref items, i) = item;
    }
}

/// <summary>
/// The visited set of one walk: a view of the context's stamp array and this walk's stamp. A slot equal to
/// the stamp is visited. Access skips bounds checks; callers pass node ids below the capacity given to
/// <see cref="SearchContext.NewVisit"/> (the index's capacity, which bounds every id in its link rows).
/// </summary>
internal readonly ref struct VisitedSet(ref int slots, int stamp)
{
    private readonly ref int _slots = ref slots;
    private readonly int _stamp = stamp;

    /// <summary>Marks <paramref name="node"/> visited; true when it was not yet visited in this walk.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool TryVisit(int node)
    {
        ref int slot = ref Unsafe.Add(ref _slots, (uint)node);
        if (slot == _stamp) return false;
        slot = _stamp;
        return true;
    }
}

/// <summary>
/// Per-search scratch state, pooled by the index: a generation-stamped visited set (one int per node;
/// a new walk bumps the stamp instead of clearing), the two heaps, a query buffer and neighbour scratch.
/// </summary>
internal sealed class SearchContext
{
    private int[] _visited;
    private int _stamp;

    public SearchContext(int nodeCapacity, int dimension, int maxLinks)
    {
        _visited = new int[nodeCapacity];
        Query = new float[dimension];
        Selected = new Candidate[maxLinks + 1];
        Fresh = new int[maxLinks + 1];
    }

    public readonly CandidateHeap<NearestOnTop> Frontier = new();
    public readonly CandidateHeap<FarthestOnTop> Results = new();
    public readonly float[] Query;
    public Candidate[] Selected;
    public Candidate[] Sorted = new Candidate[256];

    /// <summary>Unvisited neighbours of the node being expanded; longer than any link row.</summary>
    public readonly int[] Fresh;

    public int VisitedCapacity => _visited.Length;

    /// <summary>Starts a new visited generation for ids below <paramref name="nodeCapacity"/>.</summary>
    public VisitedSet NewVisit(int nodeCapacity)
    {
        if (_visited.Length < nodeCapacity)
        {
            _visited = new int[Math.Max(nodeCapacity, _visited.Length * 2)];
            _stamp = 0;
        }
        if (++_stamp == int.MaxValue)
        {
            Array.Clear(_visited);
            _stamp = 1;
        }
        return new VisitedSet(ref MemoryMarshal.GetArrayDataReference(_visited), _stamp);
    }

    public long Bytes => (long)_visited.Length * sizeof(int);
}

/// <summary>A small lock-free pool of <see cref="SearchContext"/>s; renting and returning never allocates once warm.</summary>
internal sealed class SearchContextPool(Func<SearchContext> factory)
{
    private readonly SearchContext?[] _slots = new SearchContext?[Math.Max(4, Environment.ProcessorCount * 2)];

    public SearchContext Rent()
    {
        var slots = _slots;
        for (int i = 0; i < slots.Length; i++)
        {
            var context = Interlocked.Exchange(ref slots[i], null);
            if (context is not null) return context;
        }
        return factory();
    }

    public void Return(SearchContext context)
    {
        var slots = _slots;
        for (int i = 0; i < slots.Length; i++)
            if (Interlocked.CompareExchange(ref slots[i], context, null) is null) return;
    }

    public void Clear()
    {
        for (int i = 0; i < _slots.Length; i++) _slots[i] = null;
    }
}
