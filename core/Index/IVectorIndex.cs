namespace OrleansReco.Core.Index;

/// <summary>
/// A k-nearest-neighbour index over vectors keyed by caller-chosen <c>int</c> ids
/// (hnswlib's surface: add, search, mark deleted, save, load). All members are thread-safe;
/// searches may run while items are added, updated or deleted.
/// </summary>
public interface IVectorIndex : IDisposable
{
    /// <summary>The metric chosen at construction.</summary>
    VectorMetric Metric { get; }

    /// <summary>Vector length every Add, Update and Search must use.</summary>
    int Dimension { get; }

    /// <summary>Number of live (not deleted) items.</summary>
    int Count { get; }

    /// <summary>Bytes held by the index's arrays and maps (vectors, links, ids), including spare capacity.</summary>
    long MemoryBytes { get; }

    /// <summary>Adds an item. Under <see cref="VectorMetric.Cosine"/> the vector is normalised (a copy; the input is untouched).</summary>
    /// <exception cref="ArgumentException">Wrong dimension, NaN or infinite component, zero vector under cosine, or an id already present.</exception>
    void Add(int id, ReadOnlySpan<float> vector);

    /// <summary>Replaces the vector of an existing item.</summary>
    /// <exception cref="ArgumentException">Unknown id, or a bad vector as for <see cref="Add"/>.</exception>
    void Update(int id, ReadOnlySpan<float> vector);

    /// <summary>Removes an item from all future results; false when the id is not present. The id may be added again later.</summary>
    bool MarkDeleted(int id);

    /// <summary>True when a live item has this id.</summary>
    bool Contains(int id);

    /// <summary>
    /// Writes up to <paramref name="k"/> hits, best first, into <paramref name="results"/> and returns how many.
    /// Fewer than k only when fewer than k live items pass <paramref name="filter"/>.
    /// </summary>
    /// <param name="query">Query vector of length <see cref="Dimension"/> (normalised internally under cosine).</param>
    /// <param name="k">Number of hits wanted; positive and at most <c>results.Length</c>.</param>
    /// <param name="results">Destination for the hits.</param>
    /// <param name="ef">Candidate list size; 0 uses the index default. Raised to at least k. Ignored by exact indexes.</param>
    /// <param name="filter">Optional filter evaluated inside the search.</param>
    int Search(ReadOnlySpan<float> query, int k, Span<SearchHit> results, int ef = 0, IVectorFilter? filter = null);

    /// <summary>As the span overload, with a struct filter the JIT specialises (no interface call per node).</summary>
    int Search<TFilter>(ReadOnlySpan<float> query, int k, Span<SearchHit> results, int ef, TFilter filter) where TFilter : IVectorFilter;

    /// <summary>Convenience overload that allocates the result array.</summary>
    SearchHit[] Search(ReadOnlySpan<float> query, int k, int ef = 0, IVectorFilter? filter = null)
    {
        if (k <= 0) throw new ArgumentException($"k must be positive, not {k}.", nameof(k));
        var buffer = new SearchHit[k];
        int found = Search(query, k, buffer, ef, filter);
        return found == k ? buffer : buffer[..found];
    }

    /// <summary>Writes the index in the versioned format read by <see cref="VectorIndex.Load"/>.</summary>
    void Save(Stream stream);

    /// <summary>Returns the vector stored for <paramref name="id"/> (normalised under cosine), or false when absent.</summary>
    bool TryGetVector(int id, Span<float> destination);

    /// <summary>A new index of the same kind and options holding only the live items, built on all cores;
    /// it reclaims the space of deleted items. The caller swaps it in and disposes this one.</summary>
    IVectorIndex Rebuild(int threads = 0);
}
