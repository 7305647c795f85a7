using System.Buffers;
using OrleansReco.Core.Serving;
using OrleansReco.GrainInterfaces;

namespace OrleansReco.Grains.Recommend;

/// <summary>Turns a query, its exclusions and the matching business rules into the query every shard runs.</summary>
internal static class QueryPlan
{
    /// <summary>Checks a query against the silo's limits; throws <see cref="ArgumentException"/> naming the bad field.</summary>
    public static void Validate(RecommendQuery query, int maxK)
    {
        ArgumentNullException.ThrowIfNull(query);
        if (query.K < 1 || query.K > maxK) throw new ArgumentException($"K must be in [1, {maxK}], not {query.K}.", nameof(query));
        if (query.LimitField is not null && query.LimitPerValue < 1)
            throw new ArgumentException($"LimitPerValue must be positive when LimitField ('{query.LimitField}') is set, not {query.LimitPerValue}.", nameof(query));
        if (query.Deadline is { } d && d <= TimeSpan.Zero)
            throw new ArgumentException($"Deadline must be positive, not {d}.", nameof(query));
        foreach (var rule in query.Rules ?? [])
        {
            if (rule is null || string.IsNullOrWhiteSpace(rule.Field) || rule.Values is not { Length: > 0 })
                throw new ArgumentException("Every field rule needs a field and at least one value.", nameof(query));
        }
    }

    /// <summary>The shard query: request rules, then every business rule (silo-wide and the request's JSON) that matches.</summary>
    public static ShardQuery Build(
        float[] vector,
        RecommendQuery query,
        IEnumerable<string> excluded,
        IReadOnlyList<BusinessRule> siloRules,
        IReadOnlyDictionary<string, string>? profile,
        out string[] appliedRules)
    {
        var filter = new ItemFilter { OnlyAvailable = query.OnlyAvailable };
        foreach (var rule in query.Rules ?? [])
            filter = filter.With(rule.ToConstraint());
        IReadOnlyList<BusinessRule> rules = siloRules;
        if (!string.IsNullOrWhiteSpace(query.RulesJson))
        {
            try { rules = [.. siloRules, .. RuleSet.Parse(query.RulesJson)]; }
            catch (FormatException e) { throw new ArgumentException($"RulesJson: {e.Message}", nameof(query), e); }
        }
        (filter, var applied) = RuleEngine.Apply(filter, rules, profile, query.Context);
        appliedRules = [.. applied];
        // Seen items (with repeats) and the query's exclusions: sorted and made distinct in one array, no set.
        string[] excludedIds = [.. excluded, .. query.ExcludeItemIds ?? []];
        Array.Sort(excludedIds, StringComparer.Ordinal);
        int distinct = 0;
        for (int i = 0; i < excludedIds.Length; i++)
            if (distinct == 0 || !string.Equals(excludedIds[i], excludedIds[distinct - 1], StringComparison.Ordinal)) excludedIds[distinct++] = excludedIds[i];
        if (distinct < excludedIds.Length) Array.Resize(ref excludedIds, distinct);
        var fieldRules = filter.Constraints
            .Select(c => new FieldRule(c.Field, c.Kind == ConstraintKind.Exclude ? FieldRuleKind.Exclude : FieldRuleKind.Require, [.. c.Values]))
            .ToArray();
        return new ShardQuery(vector, query.K, query.OnlyAvailable, excludedIds, fieldRules, query.LimitField, query.LimitPerValue);
    }

    /// <summary>
    /// The query each shard runs: the same query, but excluding only the ids that live on that shard. An item lives
    /// on shard <see cref="ItemSharding.ShardOf"/> of its id and nowhere else (every upsert checks it), so a shard
    /// neither receives nor looks up the other shards' ids: with a user's 200 seen ids and 8 shards, each shard gets
    /// about 25 instead of 200. A shard of an earlier release reads the shorter list the same way.
    /// </summary>
    public static ShardQuery[] PerShard(ShardQuery query, int shards)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(shards, 1);
        var queries = new ShardQuery[shards];
        var ids = query.ExcludedItemIds;
        if (shards == 1 || ids.Length == 0)
        {
            Array.Fill(queries, query);
            return queries;
        }
        var shardOf = ArrayPool<int>.Shared.Rent(ids.Length);
        try
        {
            Span<int> counts = shards <= 256 ? stackalloc int[shards] : new int[shards];
            counts.Clear();
            for (int i = 0; i < ids.Length; i++) counts[shardOf[i] = ItemSharding.ShardOf(ids[i], shards)]++;
            var perShard = new string[shards][];
            for (int s = 0; s < shards; s++) perShard[s] = counts[s] == 0 ? [] : new string[counts[s]];
            counts.Clear();
            // In the input's order (sorted and distinct), so each shard's list is too.
            for (int i = 0; i < ids.Length; i++) perShard[shardOf[i]][counts[shardOf[i]]++] = ids[i];
            for (int s = 0; s < shards; s++) queries[s] = query with { ExcludedItemIds = perShard[s] };
            return queries;
        }
        finally
        {
            ArrayPool<int>.Shared.Return(shardOf);
        }
    }

    /// <summary>
    /// Merges the shards' lists into the best K (best score first, ties by item id; an item listed twice, possible
    /// only mid-migration, counts once with its best score), then keeps at most LimitPerValue per value of the limit
    /// field. The shards' items are reused as they are: one pooled buffer, no per-candidate allocation.
    /// </summary>
    public static RecommendedItem[] Merge(IReadOnlyList<ShardAnswer> answers, ShardQuery query)
    {
        int total = 0;
        for (int a = 0; a < answers.Count; a++) total += answers[a].Items.Length;
        if (total == 0) return [];
        var all = ArrayPool<RecommendedItem>.Shared.Rent(total);
        try
        {
            int n = 0;
            for (int a = 0; a < answers.Count; a++)
            {
                var items = answers[a].Items;
                items.CopyTo(all, n);
                n += items.Length;
            }
            Array.Sort(all, 0, n, BestFirst);
            bool limited = query.LimitField is not null && query.LimitPerValue > 0;
            var perValue = limited ? new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase) : null;
            var kept = new List<RecommendedItem>(Math.Min(query.K, n));
            // Repeats are looked up in the short kept list; a set only for long lists.
            var keptIds = query.K > 64 ? new HashSet<string>(StringComparer.Ordinal) : null;
            for (int i = 0; i < n && kept.Count < query.K; i++)
            {
                var item = all[i];
                if (keptIds is not null ? keptIds.Contains(item.ItemId) : IsKept(kept, item.ItemId)) continue;
                if (perValue is not null)
                {
                    string value = item.Group ?? "";
                    perValue.TryGetValue(value, out int count);
                    if (count >= query.LimitPerValue) continue;
                    perValue[value] = count + 1;
                }
                kept.Add(item);
                keptIds?.Add(item.ItemId);
            }
            return [.. kept];
        }
        finally
        {
            ArrayPool<RecommendedItem>.Shared.Return(all, clearArray: true);
        }
    }

    /// <summary>Best first, as <see cref="TopK.BestFirst"/>.</summary>
    private static readonly Comparer<RecommendedItem> BestFirst =
        Comparer<RecommendedItem>.Create(static (a, b) => TopK.BestFirst(new ScoredItem(a.ItemId, a.Score), new ScoredItem(b.ItemId, b.Score)));

    /// <summary>Whether an item with this id is already in the (short) kept list.</summary>
    private static bool IsKept(List<RecommendedItem> kept, string itemId)
    {
        foreach (var k in kept)
            if (string.Equals(k.ItemId, itemId, StringComparison.Ordinal)) return true;
        return false;
    }
}
