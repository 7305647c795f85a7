namespace OrleansReco.Core.Index;

/// <summary>
/// Exact index with the same interface as the HNSW one: the reference in tests and the right choice
/// for tiny shards (below a few thousand items a scan beats a graph walk). Vectors are packed in one
/// flat array; a delete moves the last item into the hole. Reads share a lock; writes take it exclusively.
/// </summary>
internal sealed class BruteForceIndex<TDistance> : IVectorIndex where TDistance : struct, IDistance
{
    private readonly int _dim;
    private float[] _vectors;
    private int[] _labels;
    private int _count;
    private readonly Dictionary<int, int> _idToSlot = new();
    private readonly ReaderWriterLockSlim _lock = new(LockRecursionPolicy.NoRecursion);
    private readonly SearchContextPool _pool;

    public BruteForceIndex(int dimension, int initialCapacity = 1024)
    {
        if (dimension <= 0) throw new ArgumentException($"Dimension must be positive, not {dimension}.", nameof(dimension));
        _dim = dimension;
        initialCapacity = Math.Max(1, initialCapacity);
        _vectors = new float[(long)initialCapacity * dimension];
        _labels = new int[initialCapacity];
        _pool = new SearchContextPool(() => new SearchContext(1, _dim, 1));
    }

    public VectorMetric Metric => TDistance.Metric;
    public int Dimension => _dim;

    public int Count
    {
        get { _lock.EnterReadLock(); try { return _count; } finally { _lock.ExitReadLock(); } }
    }

    public long MemoryBytes
    {
        get
        {
            _lock.EnterReadLock();
            try { return (long)_vectors.Length * sizeof(float) + (long)_labels.Length * sizeof(int) + (long)_idToSlot.EnsureCapacity(0) * 20; }
            finally { _lock.ExitReadLock(); }
        }
    }

    public void Add(int id, ReadOnlySpan<float> vector) => Write(id, vector, replace: false);

    public void Update(int id, ReadOnlySpan<float> vector) => Write(id, vector, replace: true);

    private void Write(int id, ReadOnlySpan<float> vector, bool replace)
    {
        float[]? heap = null;
        Span<float> prepared = _dim <= 512 ? stackalloc float[_dim] : (heap = new float[_dim]);
        VectorChecks.Prepare<TDistance>(vector, prepared, _dim, nameof(vector));
        _lock.EnterWriteLock();
        try
        {
            bool exists = _idToSlot.TryGetValue(id, out int slot);
            if (exists && !replace) throw new ArgumentException($"Item id {id} is already in the index; use Update to replace its vector.", "id");
            if (!exists && replace) throw new ArgumentException($"Item id {id} is not in the index.", "id");
            if (!exists)
            {
                if (_count == _labels.Length)
                {
                    int capacity = _labels.Length * 2;
                    Array.Resize(ref _vectors, capacity * _dim);
                    Array.Resize(ref _labels, capacity);
                }
                slot = _count++;
                _labels[slot] = id;
                _idToSlot[id] = slot;
            }
            prepared.CopyTo(_vectors.AsSpan(slot * _dim, _dim));
        }
        finally { _lock.ExitWriteLock(); }
    }

    public bool MarkDeleted(int id)
    {
        _lock.EnterWriteLock();
        try
        {
            if (!_idToSlot.Remove(id, out int slot)) return false;
            int last = --_count;
            if (slot != last)
            {
                _vectors.AsSpan(last * _dim, _dim).CopyTo(_vectors.AsSpan(slot * _dim, _dim));
                _labels[slot] = _labels[last];
                _idToSlot[_labels[slot]] = slot;
            }
            return true;
        }
        finally { _lock.ExitWriteLock(); }
    }

    public bool Contains(int id)
    {
        _lock.EnterReadLock();
        try { return _idToSlot.ContainsKey(id); }
        finally { _lock.ExitReadLock(); }
    }

    public bool TryGetVector(int id, Span<float> destination)
    {
        if (destination.Length != _dim)
            throw new ArgumentException($"Destination length {destination.Length} differs from the index dimension {_dim}.", nameof(destination));
        _lock.EnterReadLock();
        try
        {
            if (!_idToSlot.TryGetValue(id, out int slot)) return false;
            _vectors.AsSpan(slot * _dim, _dim).CopyTo(destination);
            return true;
        }
        finally { _lock.ExitReadLock(); }
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
        _lock.EnterReadLock();
        try
        {
            VectorChecks.Prepare<TDistance>(query, context.Query, _dim, nameof(query));
            ref float q = ref context.Query[0];
            var heap = context.Results;
            heap.Clear();
            var vectors = _vectors;
            var labels = _labels;
            int dim = _dim;
            for (int slot = 0; slot < _count; slot++)
            {
                if (!filter.Allows(labels[slot])) continue;
                float d = TDistance.Distance(ref q, ref vectors[slot * dim], dim);
                if (heap.Count < k) heap.Push(d, slot);
                else if (d < heap.Top.Distance) heap.ReplaceTop(d, slot);
            }
            int found = heap.Count;
            for (int i = found - 1; i >= 0; i--)
            {
                var c = heap.Pop();
                results[i] = new SearchHit(labels[c.Node], TDistance.ToScore(c.Distance));
            }
            return found;
        }
        finally
        {
            _lock.ExitReadLock();
            _pool.Return(context);
        }
    }

    public void Save(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        _lock.EnterReadLock();
        try
        {
            using var writer = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true);
            IndexFormat.WriteHeader(writer, new IndexFormat.Header(IndexFormat.KindBruteForce, Metric, _dim, new HnswOptions(), _count, _count, -1));
            IndexFormat.WriteSpan<int>(writer, _labels.AsSpan(0, _count));
            var states = new byte[_count];
            Array.Fill(states, (byte)1);
            IndexFormat.WriteSpan<byte>(writer, states);
            IndexFormat.WriteSpan<byte>(writer, new byte[_count]);
            IndexFormat.WriteSpan<float>(writer, _vectors.AsSpan(0, _count * _dim));
            writer.Write(IndexFormat.EndMarker);
        }
        finally { _lock.ExitReadLock(); }
    }

    internal static BruteForceIndex<TDistance> LoadBody(BinaryReader reader, in IndexFormat.Header header)
    {
        if (header.Live != header.Nodes)
            throw new InvalidDataException($"Brute-force index fields 'nodes' ({header.Nodes}) and 'live' ({header.Live}) must be equal.");
        int count = header.Nodes;
        var index = new BruteForceIndex<TDistance>(header.Dimension, Math.Max(1, count));
        IndexFormat.ReadSpan(reader, index._labels.AsSpan(0, count), "labels");
        var scratch = new byte[count];
        IndexFormat.ReadSpan<byte>(reader, scratch, "state");
        IndexFormat.ReadSpan<byte>(reader, scratch, "levels");
        IndexFormat.ReadSpan(reader, index._vectors.AsSpan(0, count * header.Dimension), "vectors");
        IndexFormat.ExpectMarker(reader, IndexFormat.EndMarker, "end");
        for (int slot = 0; slot < count; slot++)
            if (!index._idToSlot.TryAdd(index._labels[slot], slot))
                throw new InvalidDataException($"Vector index field 'labels' holds id {index._labels[slot]} twice.");
        index._count = count;
        return index;
    }

    public IVectorIndex Rebuild(int threads = 0)
    {
        var copy = new BruteForceIndex<TDistance>(_dim, Math.Max(1, Count));
        _lock.EnterReadLock();
        try
        {
            Array.Copy(_vectors, copy._vectors, (long)_count * _dim);
            Array.Copy(_labels, copy._labels, _count);
            foreach (var pair in _idToSlot) copy._idToSlot.Add(pair.Key, pair.Value);
            copy._count = _count;
        }
        finally { _lock.ExitReadLock(); }
        return copy;
    }

    public void Dispose() => _lock.Dispose();
}
