using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics.X86;
using OrleansReco.Core.Runtime;

namespace OrleansReco.Core.Index;

/// <summary>
/// Hierarchical navigable small-world graph (Malkov &amp; Yashunin 2018), generic over the metric.
/// Storage is flat: each node owns one 64-byte-aligned block of a pinned array holding its vector
/// (d floats, from the block start) followed by its layer-0 link row (a count, then M0 ids), so the
/// walk reads a neighbour's vector and, when it expands it, its links from adjacent cache lines.
/// Upper-layer links live in one small array per node that has any (about 1 node in M).
/// <para>Concurrency: every public call holds a shared lock on the storage; only growth takes it
/// exclusively (so arrays never move under a reader). Link rows are written under a striped lock,
/// one row at a time (no lock is ever held while taking another, so no deadlock); readers do not
/// lock rows: the count is written last with release semantics and every id in a row is a node whose
/// vector was written before any link to it, so a reader sees an old or new row, never a bad id.
/// A node becomes returnable (state Live) only after it is fully linked.</para>
/// </summary>
internal sealed unsafe partial class HnswIndex<TDistance> : IVectorIndex where TDistance : struct, IDistance
{
    private const byte Reserved = 0, Live = 1, Deleted = 2;
    private const int LockStripes = 4096;
    private const int MaxLevel = 32;

    private readonly HnswOptions _options;
    private readonly int _dim;
    private readonly int _m;
    private readonly int _m0;
    private readonly int _stride0;
    private readonly int _strideUp;
    private readonly double _levelMult;

    private readonly int _nodeBytes;
    private readonly int _rowOffset;
    private CacheLine[] _block;
    /// <summary>Address of node 0's block: the pinned <see cref="_block"/> rounded up to 64 bytes.</summary>
    private byte* _base;
    private int[]?[] _upper;
    private byte[] _levels;
    private int[] _labels;
    private byte[] _state;
    private int _capacity;
    private int _nodeCount;
    private long _upperLinkBytes;
    private int _liveCount;

    private readonly Dictionary<int, int> _idToNode;
    private readonly Lock _mapLock = new();
    private readonly Lock _entryLock = new();
    private readonly object[] _linkLocks;
    private readonly ReaderWriterLockSlim _storage = new(LockRecursionPolicy.NoRecursion);
    private readonly SearchContextPool _pool;

    /// <summary>Entry point packed as (maxLevel &lt;&lt; 32) | node; -1 while empty.</summary>
    private long _entry = -1;

    public HnswIndex(int dimension, HnswOptions options)
    {
        if (dimension <= 0) throw new ArgumentException($"Dimension must be positive, not {dimension}.", nameof(dimension));
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options.Clone();
        _dim = dimension;
        _m = _options.M;
        _m0 = _options.MaxM0;
        _stride0 = _m0 + 1;
        _strideUp = _m + 1;
        _levelMult = 1.0 / Math.Log(_m);
        _rowOffset = _dim * sizeof(float);
        _nodeBytes = checked((_rowOffset + _stride0 * sizeof(int) + CacheLine.Bytes - 1) / CacheLine.Bytes * CacheLine.Bytes);
        _capacity = _options.InitialCapacity;
        _block = AllocateBlock(_capacity, _nodeBytes, out _base);
        _upper = new int[]?[_capacity];
        _levels = new byte[_capacity];
        _labels = new int[_capacity];
        _state = new byte[_capacity];
        _idToNode = new Dictionary<int, int>(Math.Min(_capacity, 1 << 20));
        _linkLocks = new object[LockStripes];
        for (int i = 0; i < _linkLocks.Length; i++) _linkLocks[i] = new object();
        _pool = new SearchContextPool(() => new SearchContext(_capacity, _dim, Math.Max(_m0, _options.EfConstruction)));
    }

    public VectorMetric Metric => TDistance.Metric;
    public int Dimension => _dim;
    public HnswOptions Options => _options.Clone();

    public int Count => Volatile.Read(ref _liveCount);

    /// <summary>Nodes allocated, deleted ones included (what a Rebuild would reclaim is NodeCount - Count).</summary>
    public int NodeCount => Volatile.Read(ref _nodeCount);

    public long MemoryBytes
    {
        get
        {
            _storage.EnterReadLock();
            try
            {
                long bytes = (long)_block.Length * CacheLine.Bytes
                    + (long)_upper.Length * IntPtr.Size + _levels.Length + (long)_labels.Length * sizeof(int) + _state.Length
                    + Interlocked.Read(ref _upperLinkBytes) + LockStripes * 24L;
                lock (_mapLock) bytes += (long)_idToNode.EnsureCapacity(0) * 20;
                return bytes;
            }
            finally { _storage.ExitReadLock(); }
        }
    }

    // ---------------------------------------------------------------- writes

    public void Add(int id, ReadOnlySpan<float> vector) => Insert(id, vector, replace: false);

    public void Update(int id, ReadOnlySpan<float> vector) => Insert(id, vector, replace: true);

    public bool MarkDeleted(int id)
    {
        lock (_mapLock)
        {
            if (!_idToNode.Remove(id, out int node)) return false;
            Volatile.Write(ref _state[node], Deleted);
            _liveCount--;
            return true;
        }
    }

    public bool Contains(int id)
    {
        lock (_mapLock) return _idToNode.ContainsKey(id);
    }

    public bool TryGetVector(int id, Span<float> destination)
    {
        if (destination.Length != _dim)
            throw new ArgumentException($"Destination length {destination.Length} differs from the index dimension {_dim}.", nameof(destination));
        _storage.EnterReadLock();
        try
        {
            int node;
            lock (_mapLock)
                if (!_idToNode.TryGetValue(id, out node)) return false;
            VectorSpan(node).CopyTo(destination);
            return true;
        }
        finally { _storage.ExitReadLock(); }
    }

    private void Insert(int id, ReadOnlySpan<float> vector, bool replace)
    {
        float[]? rented = null;
        Span<float> prepared = _dim <= 512 ? stackalloc float[_dim] : (rented = new float[_dim]);
        VectorChecks.Prepare<TDistance>(vector, prepared, _dim, nameof(vector));
        while (true)
        {
            EnsureCapacity(Volatile.Read(ref _nodeCount) + 1);
            _storage.EnterReadLock();
            try
            {
                int node = -1, previous = -1;
                lock (_mapLock)
                {
                    bool exists = _idToNode.TryGetValue(id, out previous);
                    if (exists && !replace) throw new ArgumentException($"Item id {id} is already in the index; use Update to replace its vector.", "id");
                    if (!exists && replace) throw new ArgumentException($"Item id {id} is not in the index.", "id");
                    if (!exists) previous = -1;
                    if (_nodeCount < _capacity)
                    {
                        node = _nodeCount;
                        _labels[node] = id;
                        _state[node] = Reserved;
                        _idToNode[id] = node;
                        if (previous < 0) _liveCount++;
                        Volatile.Write(ref _nodeCount, node + 1);
                    }
                }
                if (node < 0) continue;
                InsertNode(node, prepared);
                lock (_mapLock)
                {
                    bool current = _idToNode.TryGetValue(id, out int mapped) && mapped == node;
                    Volatile.Write(ref _state[node], current ? Live : Deleted);
                    if (previous >= 0) Volatile.Write(ref _state[previous], Deleted);
                }
                return;
            }
            finally { _storage.ExitReadLock(); }
        }
    }

    private void EnsureCapacity(int needed)
    {
        if (needed <= Volatile.Read(ref _capacity)) return;
        _storage.EnterWriteLock();
        try
        {
            if (needed <= _capacity) return;
            int capacity = (int)Math.Min(MaxNodes(_nodeBytes), Math.Max((long)needed, _capacity * 2L));
            if (capacity < needed) throw new InvalidOperationException($"The index cannot hold {needed} nodes of dimension {_dim}.");
            var block = AllocateBlock(capacity, _nodeBytes, out byte* address);
            Buffer.MemoryCopy(_base, address, (long)capacity * _nodeBytes, (long)_capacity * _nodeBytes);
            _block = block;
            _base = address;
            Array.Resize(ref _upper, capacity);
            Array.Resize(ref _levels, capacity);
            Array.Resize(ref _labels, capacity);
            Array.Resize(ref _state, capacity);
            Volatile.Write(ref _capacity, capacity);
            _pool.Clear();
        }
        finally { _storage.ExitWriteLock(); }
    }

    /// <summary>One cache line; the node blocks are whole lines.</summary>
    [InlineArray(16)]
    internal struct CacheLine
    {
        public const int Bytes = 64;
        private float _element;
    }

    /// <summary>A zeroed pinned array of <paramref name="capacity"/> node blocks plus one spare line, and the
    /// first 64-byte-aligned address in it. Pinned arrays never move, so the address stays valid while the array lives.</summary>
    private static CacheLine[] AllocateBlock(int capacity, int nodeBytes, out byte* address)
    {
        if (capacity > MaxNodes(nodeBytes)) throw new InvalidOperationException($"The index cannot hold {capacity} nodes of {nodeBytes} bytes each.");
        long lines = (long)capacity * nodeBytes / CacheLine.Bytes + 1;
        var block = GC.AllocateArray<CacheLine>((int)lines, pinned: true);
        nuint start = (nuint)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(block));
        address = (byte*)((start + CacheLine.Bytes - 1) & ~(nuint)(CacheLine.Bytes - 1));
        return block;
    }

    /// <summary>Most nodes of <paramref name="nodeBytes"/> bytes one block (an array of at most Array.MaxLength lines) can hold.</summary>
    private static int MaxNodes(int nodeBytes) => (int)Math.Min(Array.MaxLength, (Array.MaxLength - 1L) * CacheLine.Bytes / nodeBytes);

    /// <summary>The stored vector of <paramref name="node"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private ref float Vector(int node) => ref *(float*)(_base + (nint)node * _nodeBytes);

    private Span<float> VectorSpan(int node) => new(_base + (nint)node * _nodeBytes, _dim);

    /// <summary>The layer-0 row of <paramref name="node"/>: slot 0 is the link count, then up to M0 ids.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private ref int Row0(int node) => ref *(int*)(_base + (nint)node * _nodeBytes + _rowOffset);

    /// <summary>Level of a node: depends only on the seed and the node slot, so builds are reproducible
    /// in their levels whatever the thread count. Geometric with mL = 1/ln M.</summary>
    private int LevelFor(int node)
    {
        ulong z = (ulong)(uint)_options.Seed * 0x9E3779B97F4A7C15UL + (ulong)(uint)node + 0x632BE59BD9B4E019UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        z ^= z >> 31;
        double u = ((z >> 11) + 1) * (1.0 / (1UL << 53));
        return Math.Min(MaxLevel, (int)(-Math.Log(u) * _levelMult));
    }

    private void InsertNode(int node, ReadOnlySpan<float> vector)
    {
        int level = LevelFor(node);
        vector.CopyTo(VectorSpan(node));
        _levels[node] = (byte)level;
        Row0(node) = 0;
        if (level > 0)
        {
            _upper[node] = new int[level * _strideUp];
            Interlocked.Add(ref _upperLinkBytes, level * _strideUp * sizeof(int) + 24);
        }

        long entry = Volatile.Read(ref _entry);
        if (entry < 0)
        {
            lock (_entryLock)
            {
                entry = _entry;
                if (entry < 0)
                {
                    Volatile.Write(ref _entry, ((long)level << 32) | (uint)node);
                    return;
                }
            }
        }

        bool raises = level > (int)(entry >> 32);
        if (raises)
        {
            _entryLock.Enter();
            entry = _entry;
            raises = level > (int)(entry >> 32);
            if (!raises) _entryLock.Exit();
        }
        var context = _pool.Rent();
        try
        {
            ref float query = ref Vector(node);
            int top = (int)(entry >> 32);
            int ep = (int)entry;
            for (int l = top; l > level; l--) ep = GreedyClosest(ref query, ep, l);
            for (int l = Math.Min(level, top); l >= 0; l--)
            {
                SearchLayer(context, ref query, ep, _options.EfConstruction, l, default(NoFilter), forQuery: false);
                int count = SortedResults(context);
                ep = context.Sorted[0].Node;
                int selected = SelectNeighbors(context.Sorted.AsSpan(0, count), _m, context.Selected);
                ConnectNew(node, l, context.Selected.AsSpan(0, selected));
            }
            if (raises) Volatile.Write(ref _entry, ((long)level << 32) | (uint)node);
        }
        finally
        {
            if (raises) _entryLock.Exit();
            _pool.Return(context);
        }
    }

    /// <summary>Moves the result heap into <c>context.Sorted</c>, ascending by distance; returns the count.</summary>
    private static int SortedResults(SearchContext context)
    {
        var results = context.Results;
        int count = results.Count;
        if (context.Sorted.Length < count) context.Sorted = new Candidate[Math.Max(count, context.Sorted.Length * 2)];
        for (int i = count - 1; i >= 0; i--) context.Sorted[i] = results.Pop();
        return count;
    }

    /// <summary>
    /// The paper's neighbour-selection heuristic (Algorithm 4): walk candidates closest first and keep one
    /// only when it is closer to the base than to every kept neighbour. With KeepPrunedConnections the
    /// remaining slots are filled with discarded candidates, closest first. <paramref name="sorted"/> is ascending;
    /// <paramref name="selected"/> holds at least <paramref name="max"/> entries and <paramref name="sorted"/>'s length
    /// when that is smaller. Allocates nothing, so that it also runs while a row lock is held (<see cref="LinkBack"/>).
    /// </summary>
    private int SelectNeighbors(ReadOnlySpan<Candidate> sorted, int max, Span<Candidate> selected)
    {
        if (sorted.Length <= max)
        {
            sorted.CopyTo(selected);
            return sorted.Length;
        }
        int dim = _dim;
        int kept = 0;
        for (int i = 0; i < sorted.Length && kept < max; i++)
        {
            var candidate = sorted[i];
            ref float candidateVector = ref Vector(candidate.Node);
            bool good = true;
            for (int j = 0; j < kept; j++)
            {
                float between = TDistance.Distance(ref candidateVector, ref Vector(selected[j].Node), dim);
                if (between < candidate.Distance) { good = false; break; }
            }
            if (good) selected[kept++] = candidate;
        }
        if (_options.KeepPrunedConnections && kept < max)
        {
            // Every candidate was walked: the discarded ones are those of sorted not among the kept, which were taken
            // in sorted's order, so one pass with a cursor into the kept finds them, closest first.
            int chosen = kept;
            for (int i = 0, next = 0; i < sorted.Length && kept < max; i++)
            {
                if (next < chosen && selected[next].Node == sorted[i].Node) next++;
                else selected[kept++] = sorted[i];
            }
        }
        return kept;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private object LinkLock(int node) => _linkLocks[node & (LockStripes - 1)];

    private Span<int> LinkRow(int node, int level) =>
        level == 0 ? new Span<int>(Unsafe.AsPointer(ref Row0(node)), _stride0) : _upper[node].AsSpan((level - 1) * _strideUp, _strideUp);

    /// <summary>Writes the new node's row at <paramref name="level"/>, then links each neighbour back to it.</summary>
    private void ConnectNew(int node, int level, ReadOnlySpan<Candidate> neighbors)
    {
        int max = level == 0 ? _m0 : _m;
        lock (LinkLock(node))
        {
            var row = LinkRow(node, level);
            // Another insert may already have linked to this node at this level; keep those links where room remains.
            int existing = row[0];
            Span<int> keep = stackalloc int[existing];
            row.Slice(1, existing).CopyTo(keep);
            int count = 0;
            foreach (var neighbor in neighbors) row[1 + count++] = neighbor.Node;
            foreach (int other in keep)
            {
                if (count >= max) break;
                if (row.Slice(1, count).IndexOf(other) < 0) row[1 + count++] = other;
            }
            Volatile.Write(ref row[0], count);
        }
        foreach (var neighbor in neighbors) LinkBack(neighbor.Node, node, level, max);
    }

    /// <summary>Adds <paramref name="node"/> to <paramref name="neighbor"/>'s row, re-running the heuristic when the row is full.</summary>
    private void LinkBack(int neighbor, int node, int level, int max)
    {
        lock (LinkLock(neighbor))
        {
            var row = LinkRow(neighbor, level);
            int count = row[0];
            if (row.Slice(1, count).IndexOf(node) >= 0) return;
            if (count < max)
            {
                row[1 + count] = node;
                Volatile.Write(ref row[0], count + 1);
                return;
            }
            int dim = _dim;
            ref float baseVector = ref Vector(neighbor);
            Span<Candidate> candidates = stackalloc Candidate[count + 1];
            for (int i = 0; i < count; i++)
            {
                int other = row[1 + i];
                candidates[i] = new Candidate(TDistance.Distance(ref baseVector, ref Vector(other), dim), other);
            }
            candidates[count] = new Candidate(TDistance.Distance(ref baseVector, ref Vector(node), dim), node);
            candidates.Sort(default(CandidateOrder));
            Span<Candidate> selected = stackalloc Candidate[max];
            int kept = SelectNeighbors(candidates, max, selected);
            for (int i = 0; i < kept; i++) row[1 + i] = selected[i].Node;
            Volatile.Write(ref row[0], kept);
        }
    }

    private readonly struct CandidateOrder : IComparer<Candidate>
    {
        public int Compare(Candidate x, Candidate y) => x.Distance.CompareTo(y.Distance);
    }

    // ---------------------------------------------------------------- search

    /// <summary>Greedy walk on an upper layer: move to the closest neighbour until none is closer.</summary>
    private int GreedyClosest(ref float query, int ep, int level)
    {
        var upper = _upper;
        int dim = _dim;
        int stride = _strideUp;
        float best = TDistance.Distance(ref query, ref Vector(ep), dim);
        bool changed = true;
        while (changed)
        {
            changed = false;
            int[] row = upper[ep]!;
            int offset = (level - 1) * stride;
            int count = Volatile.Read(ref row[offset]);
            for (int i = 1; i <= count; i++)
            {
                int candidate = row[offset + i];
                float distance = TDistance.Distance(ref query, ref Vector(candidate), dim);
                if (distance < best)
                {
                    best = distance;
                    ep = candidate;
                    changed = true;
                }
            }
        }
        return ep;
    }

    /// <summary>
    /// ef-bounded best-first search on one layer (the paper's Algorithm 2). With <paramref name="forQuery"/>,
    /// only Live nodes that pass the filter enter the result set, but every node is walked through, so
    /// deleted and filtered items keep the graph navigable; the walk stops once the result set holds ef
    /// items and the closest unexpanded candidate is farther than the worst of them.
    /// <para>Expanding a node first marks its unvisited neighbours and asks the CPU for their vectors, then
    /// computes their distances, so the vectors load in parallel rather than one miss at a time. Reads of
    /// blocks, rows, states and visited slots skip bounds checks: every id in a row is below the node count
    /// (checked on load, and written only after its block), and the storage cannot move during the walk
    /// (callers hold the storage lock).</para>
    /// </summary>
    private void SearchLayer<TFilter>(SearchContext context, ref float query, int ep, int ef, int level, TFilter filter, bool forQuery)
        where TFilter : IVectorFilter
    {
        byte* blocks = _base;
        nint nodeBytes = _nodeBytes;
        nint rowOffset = _rowOffset;
        int dim = _dim;
        int vectorBytes = dim * sizeof(float);
        ref byte state = ref MemoryMarshal.GetArrayDataReference(_state);
        ref int labels = ref MemoryMarshal.GetArrayDataReference(_labels);
        var upper = _upper;
        int upperOffset = (level - 1) * _strideUp;
        var frontier = context.Frontier;
        var results = context.Results;
        frontier.Clear();
        results.Clear();
        var visited = context.NewVisit(_capacity);
        ref int fresh = ref MemoryMarshal.GetArrayDataReference(context.Fresh);

        float distance = TDistance.Distance(ref query, ref *(float*)(blocks + ep * nodeBytes), dim);
        visited.TryVisit(ep);
        float bound = float.MaxValue;
        if (!forQuery || (Unsafe.Add(ref state, ep) == Live && filter.Allows(Unsafe.Add(ref labels, ep))))
        {
            results.Push(distance, ep);
            bound = distance;
        }
        frontier.Push(distance, ep);

        while (frontier.Count > 0)
        {
            var current = frontier.Top;
            if (current.Distance > bound && results.Count >= ef) break;
            frontier.Pop();
            ref int row = ref level == 0
                ? ref *(int*)(blocks + current.Node * nodeBytes + rowOffset)
                : ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(upper[current.Node]!), upperOffset);
            int count = Volatile.Read(ref row);
            int freshCount = 0;
            for (int i = 1; i <= count; i++)
            {
                int candidate = Unsafe.Add(ref row, i);
                if (!visited.TryVisit(candidate)) continue;
                Unsafe.Add(ref fresh, freshCount++) = candidate;
                Prefetch(blocks + candidate * nodeBytes, vectorBytes);
            }
            for (int i = 0; i < freshCount; i++)
            {
                int candidate = Unsafe.Add(ref fresh, i);
                float d = TDistance.Distance(ref query, ref *(float*)(blocks + candidate * nodeBytes), dim);
                if (d >= bound && results.Count >= ef) continue;
                frontier.Push(d, candidate);
                if (forQuery && (Unsafe.Add(ref state, candidate) != Live || !filter.Allows(Unsafe.Add(ref labels, candidate)))) continue;
                if (results.Count < ef) results.Push(d, candidate);
                else results.ReplaceTop(d, candidate);
                bound = results.Top.Distance;
            }
        }
    }

    /// <summary>Hints the CPU to load the <paramref name="bytes"/> from <paramref name="address"/> (a 64-float vector spans four lines).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Prefetch(byte* address, int bytes)
    {
        if (!Sse.IsSupported) return;
        for (int offset = 0; offset < bytes; offset += CacheLine.Bytes) Sse.Prefetch0(address + offset);
    }

    public int Search(ReadOnlySpan<float> query, int k, Span<SearchHit> results, int ef = 0, IVectorFilter? filter = null) =>
        filter is null ? SearchCore(query, k, results, ef, default(NoFilter)) : SearchCore(query, k, results, ef, filter);

    public int Search<TFilter>(ReadOnlySpan<float> query, int k, Span<SearchHit> results, int ef, TFilter filter) where TFilter : IVectorFilter
    {
        if (filter is null) throw new ArgumentNullException(nameof(filter));
        return SearchCore(query, k, results, ef, filter);
    }

    private int SearchCore<TFilter>(ReadOnlySpan<float> query, int k, Span<SearchHit> results, int ef, TFilter filter) where TFilter : IVectorFilter
    {
        VectorChecks.SearchArguments(query, k, results, ef, _dim);
        var context = _pool.Rent();
        _storage.EnterReadLock();
        try
        {
            VectorChecks.Prepare<TDistance>(query, context.Query, _dim, nameof(query));
            long entry = Volatile.Read(ref _entry);
            if (entry < 0) return 0;
            int live = Count;
            if (live == 0) return 0;
            int efEffective = Math.Max(ef == 0 ? _options.EfSearch : ef, k);
            bool filtered = typeof(TFilter) != typeof(NoFilter);
            if (filtered)
            {
                double passRate = EstimatePassRate(filter, live);
                if (passRate < _options.ExactScanBelowPassRate) return ExactScan(context, k, results, filter);
                // Fewer allowed nodes per expansion: widen ef by 1/sqrt(pass rate), at most 8x.
                efEffective = (int)Math.Min(efEffective * Math.Min(8.0, 1.0 / Math.Sqrt(Math.Max(passRate, 1e-9))), Math.Max(efEffective, live));
            }
            ref float q = ref context.Query[0];
            int ep = (int)entry;
            for (int l = (int)(entry >> 32); l > 0; l--) ep = GreedyClosest(ref q, ep, l);
            SearchLayer(context, ref q, ep, efEffective, 0, filter, forQuery: true);
            int found = Drain(context.Results, k, results);
            // The walk can miss allowed items only when they are cut off (heavy deletion or filtering): then be exact.
            if (found < k && found < live) return ExactScan(context, k, results, filter);
            return found;
        }
        finally
        {
            _storage.ExitReadLock();
            _pool.Return(context);
        }
    }

    /// <summary>Pops the best <paramref name="k"/> of a max-heap into <paramref name="results"/>, best first.</summary>
    private int Drain(CandidateHeap<FarthestOnTop> heap, int k, Span<SearchHit> results)
    {
        while (heap.Count > k) heap.Pop();
        int found = heap.Count;
        var labels = _labels;
        for (int i = found - 1; i >= 0; i--)
        {
            var c = heap.Pop();
            results[i] = new SearchHit(labels[c.Node], TDistance.ToScore(c.Distance));
        }
        return found;
    }

    /// <summary>Pass rate from the filter's own count when it knows it, else from a fixed sample of up to 128 live nodes.</summary>
    private double EstimatePassRate<TFilter>(TFilter filter, int live) where TFilter : IVectorFilter
    {
        int hint = filter.AllowedCountHint;
        if (hint >= 0) return Math.Min(1.0, hint / (double)live);
        int nodes = Volatile.Read(ref _nodeCount);
        int step = Math.Max(1, nodes / 128);
        int sampled = 0, allowed = 0;
        var state = _state;
        var labels = _labels;
        for (int node = 0; node < nodes; node += step)
        {
            if (state[node] != Live) continue;
            sampled++;
            if (filter.Allows(labels[node])) allowed++;
        }
        return sampled == 0 ? 1.0 : allowed / (double)sampled;
    }

    /// <summary>Exact top-k over the live nodes that pass the filter.</summary>
    private int ExactScan<TFilter>(SearchContext context, int k, Span<SearchHit> results, TFilter filter) where TFilter : IVectorFilter
    {
        var heap = context.Results;
        heap.Clear();
        var state = _state;
        var labels = _labels;
        int dim = _dim;
        int nodes = Volatile.Read(ref _nodeCount);
        ref float q = ref context.Query[0];
        for (int node = 0; node < nodes; node++)
        {
            if (state[node] != Live || !filter.Allows(labels[node])) continue;
            float d = TDistance.Distance(ref q, ref Vector(node), dim);
            if (heap.Count < k) heap.Push(d, node);
            else if (d < heap.Top.Distance) heap.ReplaceTop(d, node);
        }
        return Drain(context.Results, k, results);
    }

    public IVectorIndex Rebuild(int threads = 0)
    {
        _storage.EnterReadLock();
        int[] ids;
        float[] vectors;
        try
        {
            lock (_mapLock)
            {
                ids = new int[_idToNode.Count];
                vectors = new float[(long)ids.Length * _dim];
                int i = 0;
                foreach (var (id, node) in _idToNode)
                {
                    ids[i] = id;
                    VectorSpan(node).CopyTo(vectors.AsSpan(i * _dim, _dim));
                    i++;
                }
            }
        }
        finally { _storage.ExitReadLock(); }
        var options = _options.Clone();
        options.InitialCapacity = Math.Max(1, ids.Length);
        var index = new HnswIndex<TDistance>(_dim, options);
        index.AddBatch(ids, vectors, threads, progress: null);
        return index;
    }

    /// <summary>Adds many items on <paramref name="threads"/> threads (0: all cores), reporting (done, total) about every 1%.</summary>
    internal void AddBatch(ReadOnlySpan<int> ids, ReadOnlySpan<float> vectors, int threads, Action<int, int>? progress)
    {
        if (vectors.Length != (long)ids.Length * _dim)
            throw new ArgumentException($"Expected {ids.Length} x {_dim} = {(long)ids.Length * _dim} floats, got {vectors.Length}.", nameof(vectors));
        EnsureCapacity(Volatile.Read(ref _nodeCount) + ids.Length);
        int total = ids.Length;
        if (total == 0) return;
        int[] idArray = ids.ToArray();
        float[] vectorArray = vectors.ToArray();
        int done = 0;
        int reportEvery = Math.Max(1, total / 100);
        Add(idArray[0], vectorArray.AsSpan(0, _dim));
        Parallel.For(1, total, LowPriority.LoopOptions(threads), i =>
        {
            Add(idArray[i], vectorArray.AsSpan(i * _dim, _dim));
            int now = Interlocked.Increment(ref done);
            if (progress is not null && now % reportEvery == 0) progress(now + 1, total);
        });
        progress?.Invoke(total, total);
    }

    public void Dispose() => _storage.Dispose();
}
