using System.Runtime.CompilerServices;

namespace OrleansReco.Core.Index;

/// <summary>A (distance, internal node) pair as kept in the search heaps.</summary>
internal struct Candidate(float distance, int node)
{
    public float Distance = distance;
    public int Node = node;
}

/// <summary>
/// Binary heap of candidates over a reusable array. <c>MaxOnTop</c> true keeps the farthest on top
/// (the bounded result set), false the closest (the frontier). Grows only when full, so steady-state
/// searches do not allocate.
/// </summary>
internal sealed class CandidateHeap(bool maxOnTop, int capacity = 256)
{
    private Candidate[] _items = new Candidate[capacity];
    private readonly bool _maxOnTop = maxOnTop;

    public int Count { get; private set; }

    public Candidate Top => _items[0];

    public void Clear() => Count = 0;

    /// <summary>The backing items in heap order (not sorted).</summary>
    public Span<Candidate> Items => _items.AsSpan(0, Count);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool Above(float a, float b) => _maxOnTop ? a > b : a < b;

    public void Push(float distance, int node)
    {
        if (Count == _items.Length) Array.Resize(ref _items, _items.Length * 2);
        var items = _items;
        int i = Count++;
        while (i > 0)
        {
            int parent = (i - 1) >> 1;
            if (!Above(distance, items[parent].Distance)) break;
            items[i] = items[parent];
            i = parent;
        }
        items[i] = new Candidate(distance, node);
    }

    public Candidate Pop()
    {
        var items = _items;
        var top = items[0];
        int n = --Count;
        if (n > 0)
        {
            var last = items[n];
            int i = 0;
            while (true)
            {
                int child = 2 * i + 1;
                if (child >= n) break;
                if (child + 1 < n && Above(items[child + 1].Distance, items[child].Distance)) child++;
                if (!Above(items[child].Distance, last.Distance)) break;
                items[i] = items[child];
                i = child;
            }
            items[i] = last;
        }
        return top;
    }
}

/// <summary>
/// Per-search scratch state, pooled by the index: a generation-stamped visited set (one int per node;
/// a new query bumps the stamp instead of clearing), the two heaps, a query buffer and neighbour scratch.
/// </summary>
internal sealed class SearchContext
{
    private int[] _visited;
    private int _stamp;

    public SearchContext(int nodeCapacity, int dimension, int maxLinks)
    {
        _visited = new int[nodeCapacity];
        Query = new float[dimension];
        Neighbors = new int[maxLinks + 1];
        Selected = new Candidate[maxLinks + 1];
    }

    public readonly CandidateHeap Frontier = new(maxOnTop: false);
    public readonly CandidateHeap Results = new(maxOnTop: true);
    public readonly CandidateHeap Scratch = new(maxOnTop: false);
    public readonly float[] Query;
    public readonly int[] Neighbors;
    public Candidate[] Selected;
    public Candidate[] Sorted = new Candidate[256];

    public int VisitedCapacity => _visited.Length;

    /// <summary>Starts a new visited generation sized for <paramref name="nodeCapacity"/> nodes.</summary>
    public void NewVisit(int nodeCapacity)
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
    }

    /// <summary>Marks <paramref name="node"/> visited; true when it was not yet visited in this generation.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool TryVisit(int node)
    {
        ref int slot = ref _visited[node];
        if (slot == _stamp) return false;
        slot = _stamp;
        return true;
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
