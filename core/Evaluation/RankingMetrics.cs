using System.Buffers;

namespace OrleansReco.Core.Evaluation;

/// <summary>
/// Full-catalog ranking metrics. Items are catalog indices; a ranked list is best first; ranks are 1-based.
/// Ties in score break towards the lower catalog index, the same rule in <see cref="TopK"/> and
/// <see cref="RankOf"/>, so a list and a rank computed from the same scores always agree.
/// <list type="bullet">
/// <item>Recall@K = |relevant ∩ top K| / |relevant|.</item>
/// <item>NDCG@K = Σ over hits at rank r ≤ K of 1/log2(r+1), divided by the ideal Σ_{r=1..min(|relevant|,K)} 1/log2(r+1).</item>
/// <item>HitRate@K = 1 when any relevant item is in the top K, else 0.</item>
/// <item>Reciprocal rank = 1/r of the best-ranked relevant item (0 when none is ranked).</item>
/// </list>
/// A user with no relevant items has no defined metric; the functions return 0 and callers should skip them.
/// </summary>
public static class RankingMetrics
{
    /// <summary>Recall@K of one ranked list against a (small) set of relevant items.</summary>
    public static double Recall(ReadOnlySpan<int> ranked, ReadOnlySpan<int> relevant, int k)
    {
        if (relevant.IsEmpty) return 0;
        return (double)Hits(ranked, relevant, k) / relevant.Length;
    }

    /// <summary>HitRate@K of one ranked list: 1 if a relevant item is in the first <paramref name="k"/>, else 0.</summary>
    public static double HitRate(ReadOnlySpan<int> ranked, ReadOnlySpan<int> relevant, int k) =>
        Hits(ranked, relevant, k) > 0 ? 1 : 0;

    /// <summary>NDCG@K of one ranked list with binary relevance.</summary>
    public static double Ndcg(ReadOnlySpan<int> ranked, ReadOnlySpan<int> relevant, int k)
    {
        if (relevant.IsEmpty) return 0;
        int n = Math.Min(k, ranked.Length);
        double dcg = 0;
        for (int i = 0; i < n; i++)
            if (relevant.Contains(ranked[i])) dcg += Discount(i + 1);
        return dcg / IdealDcg(relevant.Length, k);
    }

    /// <summary>1/r for the first relevant item at rank r in <paramref name="ranked"/>, or 0 when none appears.</summary>
    public static double ReciprocalRank(ReadOnlySpan<int> ranked, ReadOnlySpan<int> relevant)
    {
        for (int i = 0; i < ranked.Length; i++)
            if (relevant.Contains(ranked[i])) return 1.0 / (i + 1);
        return 0;
    }

    /// <summary>Share of the catalog that appears in at least one of the lists (first <paramref name="k"/> of each).</summary>
    public static double Coverage(IEnumerable<int[]> lists, int catalogSize, int k)
    {
        ArgumentNullException.ThrowIfNull(lists);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(catalogSize);
        var shown = new bool[catalogSize];
        int distinct = 0;
        foreach (var list in lists)
        {
            for (int i = 0; i < Math.Min(k, list.Length); i++)
                if (!shown[list[i]]) { shown[list[i]] = true; distinct++; }
        }
        return (double)distinct / catalogSize;
    }

    /// <summary>The rank discount 1/log2(rank+1) of NDCG, for a 1-based rank.</summary>
    public static double Discount(int rank) => 1.0 / Math.Log2(rank + 1);

    /// <summary>Best possible DCG@K with <paramref name="relevantCount"/> relevant items.</summary>
    public static double IdealDcg(int relevantCount, int k)
    {
        double ideal = 0;
        for (int r = 1; r <= Math.Min(relevantCount, k); r++) ideal += Discount(r);
        return ideal;
    }

    /// <summary>
    /// 1-based rank of <paramref name="item"/> among all catalog items not in <paramref name="excluded"/>
    /// (ascending catalog indices): 1 + the number of eligible items that score higher, or as high with a lower
    /// index. One pass over the scores, no allocation. NaN scores count as lowest.
    /// </summary>
    public static int RankOf(ReadOnlySpan<float> scores, int item, ReadOnlySpan<int> excluded)
    {
        if ((uint)item >= (uint)scores.Length)
            throw new ArgumentOutOfRangeException(nameof(item), $"Item {item} is outside a catalog of {scores.Length}.");
        float target = Clean(scores[item]);
        int above = 0;
        for (int j = 0; j < item; j++)
            if (Clean(scores[j]) >= target) above++;
        for (int j = item + 1; j < scores.Length; j++)
            if (Clean(scores[j]) > target) above++;
        // Remove excluded items that were counted above.
        foreach (int e in excluded)
        {
            if (e == item || (uint)e >= (uint)scores.Length) continue;
            float s = Clean(scores[e]);
            if (s > target || (s == target && e < item)) above--;
        }
        return above + 1;
    }

    /// <summary>
    /// Writes the indices of the best <c>min(destination.Length, eligible)</c> items into
    /// <paramref name="destination"/>, best first, skipping <paramref name="excluded"/> (ascending catalog
    /// indices, duplicates allowed). Partial selection with a min-heap of size K: O(n log K), no per-call
    /// allocation for K ≤ 512. Returns the number written. Scalar equivalent: sort all eligible items by
    /// (score descending, index ascending) and take the first K.
    /// </summary>
    public static int TopK(ReadOnlySpan<float> scores, ReadOnlySpan<int> excluded, Span<int> destination)
    {
        int k = destination.Length;
        if (k == 0) return 0;
        float[]? rented = null;
        Span<float> heapScores = k <= 512 ? stackalloc float[k] : (rented = ArrayPool<float>.Shared.Rent(k)).AsSpan(0, k);
        Span<int> heapItems = destination;
        int size = 0, next = 0;
        for (int j = 0; j < scores.Length; j++)
        {
            while (next < excluded.Length && excluded[next] < j) next++;
            if (next < excluded.Length && excluded[next] == j) continue;
            float s = Clean(scores[j]);
            if (size < k)
            {
                heapScores[size] = s;
                heapItems[size] = j;
                SiftUp(heapScores, heapItems, size++);
            }
            else if (s > heapScores[0])
            {
                // Items arrive in ascending index, so an equal score never beats the heap's worst.
                heapScores[0] = s;
                heapItems[0] = j;
                SiftDown(heapScores, heapItems, 0, size);
            }
        }
        // Heap sort: repeatedly move the worst to the end, leaving the best first.
        for (int end = size - 1; end > 0; end--)
        {
            Swap(heapScores, heapItems, 0, end);
            SiftDown(heapScores, heapItems, 0, end);
        }
        if (rented is not null) ArrayPool<float>.Shared.Return(rented);
        return size;
    }

    private static int Hits(ReadOnlySpan<int> ranked, ReadOnlySpan<int> relevant, int k)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(k);
        int hits = 0, n = Math.Min(k, ranked.Length);
        for (int i = 0; i < n; i++)
            if (relevant.Contains(ranked[i])) hits++;
        return hits;
    }

    private static float Clean(float s) => float.IsNaN(s) ? float.NegativeInfinity : s;

    // Min-heap ordered by "worse first": lower score, or equal score and higher index.
    private static bool Worse(Span<float> s, Span<int> items, int a, int b) =>
        s[a] < s[b] || (s[a] == s[b] && items[a] > items[b]);

    private static void SiftUp(Span<float> s, Span<int> items, int i)
    {
        while (i > 0)
        {
            int parent = (i - 1) >> 1;
            if (!Worse(s, items, i, parent)) break;
            Swap(s, items, i, parent);
            i = parent;
        }
    }

    private static void SiftDown(Span<float> s, Span<int> items, int i, int size)
    {
        while (true)
        {
            int left = 2 * i + 1, worst = i;
            if (left < size && Worse(s, items, left, worst)) worst = left;
            if (left + 1 < size && Worse(s, items, left + 1, worst)) worst = left + 1;
            if (worst == i) return;
            Swap(s, items, i, worst);
            i = worst;
        }
    }

    private static void Swap(Span<float> s, Span<int> items, int a, int b)
    {
        (s[a], s[b]) = (s[b], s[a]);
        (items[a], items[b]) = (items[b], items[a]);
    }
}
