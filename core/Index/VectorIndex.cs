namespace OrleansReco.Core.Index;

/// <summary>
/// Creates and loads vector indexes without naming the metric type parameter.
/// <code>
/// using var index = VectorIndex.Create(VectorMetric.Cosine, 64, new HnswOptions { InitialCapacity = 100_000 });
/// index.Add(42, embedding);
/// SearchHit[] top = index.Search(query, k: 10);
/// </code>
/// </summary>
public static class VectorIndex
{
    /// <summary>An empty HNSW index. <paramref name="options"/> null means the documented defaults.</summary>
    /// <exception cref="ArgumentException">Non-positive dimension, unknown metric or invalid options.</exception>
    public static IVectorIndex Create(VectorMetric metric, int dimension, HnswOptions? options = null)
    {
        options ??= new HnswOptions();
        return metric switch
        {
            VectorMetric.Cosine => new HnswIndex<CosineDistance>(dimension, options),
            VectorMetric.SquaredL2 => new HnswIndex<SquaredL2Distance>(dimension, options),
            _ => throw new ArgumentException($"Unknown metric {metric}.", nameof(metric)),
        };
    }

    /// <summary>An empty exact (brute-force) index with the same interface.</summary>
    public static IVectorIndex CreateBruteForce(VectorMetric metric, int dimension, int initialCapacity = 1024) => metric switch
    {
        VectorMetric.Cosine => new BruteForceIndex<CosineDistance>(dimension, initialCapacity),
        VectorMetric.SquaredL2 => new BruteForceIndex<SquaredL2Distance>(dimension, initialCapacity),
        _ => throw new ArgumentException($"Unknown metric {metric}.", nameof(metric)),
    };

    /// <summary>
    /// Bulk build: an HNSW index holding <paramref name="ids"/>[i] → row i of <paramref name="vectors"/>
    /// (row-major, ids.Length × dimension), inserted on <paramref name="threads"/> threads (0: all cores).
    /// <paramref name="progress"/>, when given, receives (done, total) about every 1%.
    /// </summary>
    public static IVectorIndex Build(VectorMetric metric, int dimension, ReadOnlySpan<int> ids, ReadOnlySpan<float> vectors,
        HnswOptions? options = null, int threads = 0, Action<int, int>? progress = null)
    {
        var effective = (options ?? new HnswOptions()).Clone();
        effective.InitialCapacity = Math.Max(effective.InitialCapacity, ids.Length);
        switch (metric)
        {
            case VectorMetric.Cosine:
                var cosine = new HnswIndex<CosineDistance>(dimension, effective);
                cosine.AddBatch(ids, vectors, threads, progress);
                return cosine;
            case VectorMetric.SquaredL2:
                var l2 = new HnswIndex<SquaredL2Distance>(dimension, effective);
                l2.AddBatch(ids, vectors, threads, progress);
                return l2;
            default:
                throw new ArgumentException($"Unknown metric {metric}.", nameof(metric));
        }
    }

    /// <summary>Reads an index written by <see cref="IVectorIndex.Save"/> (either kind).</summary>
    /// <exception cref="InvalidDataException">Not an index file, another version, or damaged; the message names the field.</exception>
    public static IVectorIndex Load(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        using var reader = new BinaryReader(stream, System.Text.Encoding.UTF8, leaveOpen: true);
        var header = IndexFormat.ReadHeader(reader);
        return (header.Kind, header.Metric) switch
        {
            (IndexFormat.KindHnsw, VectorMetric.Cosine) => HnswIndex<CosineDistance>.LoadBody(reader, header),
            (IndexFormat.KindHnsw, _) => HnswIndex<SquaredL2Distance>.LoadBody(reader, header),
            (_, VectorMetric.Cosine) => BruteForceIndex<CosineDistance>.LoadBody(reader, header),
            _ => BruteForceIndex<SquaredL2Distance>.LoadBody(reader, header),
        };
    }

    /// <summary>Saves to a file atomically (temporary file, then rename).</summary>
    public static void SaveToFile(IVectorIndex index, string path)
    {
        ArgumentNullException.ThrowIfNull(index);
        string temporary = path + ".tmp";
        using (var stream = File.Create(temporary)) index.Save(stream);
        File.Move(temporary, path, overwrite: true);
    }

    /// <summary>Loads from a file; errors name the file.</summary>
    public static IVectorIndex LoadFromFile(string path)
    {
        using var stream = new BufferedStream(File.OpenRead(path), 1 << 20);
        try { return Load(stream); }
        catch (InvalidDataException e) { throw new InvalidDataException($"{path}: {e.Message}", e); }
    }
}
