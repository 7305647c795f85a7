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
        var excludedIds = new HashSet<string>(excluded, StringComparer.Ordinal);
        foreach (var id in query.ExcludeItemIds ?? []) excludedIds.Add(id);
        var fieldRules = filter.Constraints
            .Select(c => new FieldRule(c.Field, c.Kind == ConstraintKind.Exclude ? FieldRuleKind.Exclude : FieldRuleKind.Require, [.. c.Values]))
            .ToArray();
        return new ShardQuery(vector, query.K, query.OnlyAvailable, [.. excludedIds], fieldRules, query.LimitField, query.LimitPerValue);
    }

    /// <summary>Merges the shards' lists into the best K, then keeps at most LimitPerValue per value of the limit field.</summary>
    public static RecommendedItem[] Merge(IReadOnlyList<ShardAnswer> answers, ShardQuery query)
    {
        var groups = new Dictionary<string, string?>(StringComparer.Ordinal);
        var lists = new List<IReadOnlyList<ScoredItem>>(answers.Count);
        int total = 0;
        foreach (var answer in answers)
        {
            var list = new ScoredItem[answer.Items.Length];
            for (int i = 0; i < list.Length; i++)
            {
                var item = answer.Items[i];
                list[i] = new ScoredItem(item.ItemId, item.Score);
                groups[item.ItemId] = item.Group;
            }
            lists.Add(list);
            total += list.Length;
        }
        if (total == 0) return [];
        var merged = TopK.Merge(lists, total);
        bool limited = query.LimitField is not null && query.LimitPerValue > 0;
        var kept = limited
            ? TopK.LimitPerField(merged, id => groups.GetValueOrDefault(id), query.LimitPerValue, query.K)
            : merged.Take(query.K).ToList();
        return kept.Select(s => new RecommendedItem(s.ItemId, s.Score, groups.GetValueOrDefault(s.ItemId))).ToArray();
    }
}
