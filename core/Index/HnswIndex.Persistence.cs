namespace OrleansReco.Core.Index;

internal sealed partial class HnswIndex<TDistance>
{
    /// <summary>Writes a consistent snapshot (in-flight adds finish first; searches wait meanwhile).</summary>
    public void Save(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        _storage.EnterWriteLock();
        try
        {
            using var writer = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true);
            int nodes = _nodeCount;
            int live;
            lock (_mapLock) live = _idToNode.Count;
            IndexFormat.WriteHeader(writer, new IndexFormat.Header(IndexFormat.KindHnsw, Metric, _dim, _options, nodes, live, _entry));
            IndexFormat.WriteSpan<int>(writer, _labels.AsSpan(0, nodes));
            IndexFormat.WriteSpan<byte>(writer, _state.AsSpan(0, nodes));
            IndexFormat.WriteSpan<byte>(writer, _levels.AsSpan(0, nodes));
            // Same byte stream as the version-1 layout of separate arrays: all vectors, then all layer-0 rows.
            for (int node = 0; node < nodes; node++) IndexFormat.WriteSpan<float>(writer, VectorSpan(node));
            for (int node = 0; node < nodes; node++) IndexFormat.WriteSpan<int>(writer, LinkRow(node, 0));
            for (int node = 0; node < nodes; node++)
                if (_levels[node] > 0) IndexFormat.WriteSpan<int>(writer, _upper[node]);
            writer.Write(IndexFormat.EndMarker);
        }
        finally { _storage.ExitWriteLock(); }
    }

    /// <summary>Reads the body after a header of kind HNSW; validates every link and level.</summary>
    internal static HnswIndex<TDistance> LoadBody(BinaryReader reader, in IndexFormat.Header header)
    {
        var options = header.Options.Clone();
        options.InitialCapacity = Math.Max(1, header.Nodes);
        var index = new HnswIndex<TDistance>(header.Dimension, options);
        int nodes = header.Nodes;
        IndexFormat.ReadSpan(reader, index._labels.AsSpan(0, nodes), "labels");
        IndexFormat.ReadSpan(reader, index._state.AsSpan(0, nodes), "state");
        IndexFormat.ReadSpan(reader, index._levels.AsSpan(0, nodes), "levels");
        for (int node = 0; node < nodes; node++) IndexFormat.ReadSpan(reader, index.VectorSpan(node), "vectors");
        for (int node = 0; node < nodes; node++) IndexFormat.ReadSpan(reader, index.LinkRow(node, 0), "links0");
        for (int node = 0; node < nodes; node++)
        {
            int level = index._levels[node];
            if (level > MaxLevel) throw new InvalidDataException($"Vector index field 'levels' holds {level} for node {node}; at most {MaxLevel}.");
            byte state = index._state[node];
            if (state is not (Live or Deleted)) throw new InvalidDataException($"Vector index field 'state' holds {state} for node {node}; expected 1 or 2.");
            if (level == 0) continue;
            var row = new int[level * index._strideUp];
            IndexFormat.ReadSpan(reader, row.AsSpan(), "upper links");
            index._upper[node] = row;
            index._upperLinkBytes += row.Length * sizeof(int) + 24;
        }
        IndexFormat.ExpectMarker(reader, IndexFormat.EndMarker, "end");

        for (int node = 0; node < nodes; node++)
        {
            for (int level = 0; level <= index._levels[node]; level++)
            {
                var row = index.LinkRow(node, level);
                int count = row[0];
                int max = level == 0 ? index._m0 : index._m;
                if (count < 0 || count > max)
                    throw new InvalidDataException($"Vector index links of node {node} at level {level} hold a count of {count}; expected 0..{max}.");
                foreach (int link in row.Slice(1, count))
                    if ((uint)link >= (uint)nodes || index._levels[link] < level)
                        throw new InvalidDataException($"Vector index links of node {node} at level {level} point to node {link}, which is not a node of that level.");
            }
            if (index._state[node] == Live && !index._idToNode.TryAdd(index._labels[node], node))
                throw new InvalidDataException($"Vector index field 'labels' holds id {index._labels[node]} twice among live items.");
        }
        if (index._idToNode.Count != header.Live)
            throw new InvalidDataException($"Vector index field 'live' is {header.Live}, but {index._idToNode.Count} live items were read.");
        if (nodes > 0)
        {
            int entryNode = (int)header.Entry;
            int entryLevel = (int)(header.Entry >> 32);
            if ((uint)entryNode >= (uint)nodes || entryLevel != index._levels[entryNode])
                throw new InvalidDataException($"Vector index field 'entry' ({header.Entry}) does not name a node at its own top level.");
        }
        else if (header.Entry != -1)
        {
            throw new InvalidDataException($"Vector index field 'entry' is {header.Entry} for an empty index; expected -1.");
        }
        index._entry = header.Entry;
        index._liveCount = header.Live;
        index._nodeCount = nodes;
        return index;
    }
}
