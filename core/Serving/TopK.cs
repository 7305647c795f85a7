namespace OrleansReco.Core.Serving;

/// <summary>A scored item in a recommendation list; higher scores first.</summary>
public readonly record struct ScoredItem(string ItemId, float Score);

/// <summary>Merging of per-shard top-k lists and top-N-per-field selection.</summary>
public static class TopK
{
    /// <summary>
    /// Merges already-filtered per-shard lists into the global best <paramref name="k"/>, best first; an item id
    /// that appears twice (possible only mid-migration) keeps its best score. Ties break by item id (ordinal).
    /// </summary>
    public static List<ScoredItem> Merge(IEnumerable<IReadOnlyList<ScoredItem>> shardLists, int k)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(k);
        var best = new Dictionary<string, float>(StringComparer.Ordinal);
        foreach (var list in shardLists)
        {
            foreach (var item in list)
            {
                if (!best.TryGetValue(item.ItemId, out var score) || item.Score > score)
                    best[item.ItemId] = item.Score;
            }
        }
        var merged = new List<ScoredItem>(best.Count);
        foreach (var (id, score) in best) merged.Add(new ScoredItem(id, score));
        merged.Sort(BestFirst);
        if (merged.Count > k) merged.RemoveRange(k, merged.Count - k);
        return merged;
    }

    /// <summary>
    /// Keeps at most <paramref name="perValue"/> items for each value of a field (e.g. 5 per product type), walking
    /// <paramref name="ranked"/> best first; items without the field are grouped under the empty value.
    /// </summary>
    public static List<ScoredItem> LimitPerField(IReadOnlyList<ScoredItem> ranked, Func<string, string?> fieldOf, int perValue, int limit)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(perValue);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limit);
        var counts = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        var kept = new List<ScoredItem>();
        foreach (var item in ranked)
        {
            var value = fieldOf(item.ItemId) ?? "";
            counts.TryGetValue(value, out int n);
            if (n >= perValue) continue;
            counts[value] = n + 1;
            kept.Add(item);
            if (kept.Count == limit) break;
        }
        return kept;
    }

    /// <summary>Best score first; equal scores by item id, so that merged answers are deterministic.</summary>
    public static readonly Comparison<ScoredItem> BestFirst = static (a, b) =>
    {
        int byScore = b.Score.CompareTo(a.Score);
        return byScore != 0 ? byScore : string.CompareOrdinal(a.ItemId, b.ItemId);
    };
}
