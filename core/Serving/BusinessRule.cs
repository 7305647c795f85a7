namespace OrleansReco.Core.Serving;

/// <summary>
/// A business rule expressed as data: when every condition holds for the request, add a constraint.
/// Conditions read <c>profile.&lt;field&gt;</c> (the user's profile features) or <c>context.&lt;key&gt;</c>
/// (the request context, e.g. device). Example: <c>{ "when": { "profile.age_group": "18-25" },
/// "exclude": { "category": ["alcohol"] } }</c>, or <c>{ "when": { "context.device": "mobile" },
/// "require": { "product_type": ["app"] } }</c>.
/// </summary>
public sealed record BusinessRule
{
    public BusinessRule(string name, IReadOnlyDictionary<string, string> when, FieldConstraint then)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(when);
        ArgumentNullException.ThrowIfNull(then);
        foreach (var key in when.Keys)
        {
            if (!key.StartsWith(ProfilePrefix, StringComparison.Ordinal) && !key.StartsWith(ContextPrefix, StringComparison.Ordinal))
                throw new ArgumentException($"Rule '{name}': condition key '{key}' must start with '{ProfilePrefix}' or '{ContextPrefix}'.", nameof(when));
        }
        Name = name;
        When = when;
        Then = then;
    }

    public const string ProfilePrefix = "profile.";
    public const string ContextPrefix = "context.";

    public string Name { get; }
    public IReadOnlyDictionary<string, string> When { get; }
    public FieldConstraint Then { get; }

    /// <summary>True when every condition matches (case-insensitive) the profile and context given.</summary>
    public bool Matches(IReadOnlyDictionary<string, string>? profile, IReadOnlyDictionary<string, string>? context)
    {
        foreach (var (key, expected) in When)
        {
            var source = key.StartsWith(ProfilePrefix, StringComparison.Ordinal) ? profile : context;
            var field = key.StartsWith(ProfilePrefix, StringComparison.Ordinal) ? key[ProfilePrefix.Length..] : key[ContextPrefix.Length..];
            if (source is null || !source.TryGetValue(field, out var actual) || !string.Equals(actual, expected, StringComparison.OrdinalIgnoreCase))
                return false;
        }
        return true;
    }
}

/// <summary>Applies a rule set to a request: the filter gains the constraint of every rule that matches.</summary>
public static class RuleEngine
{
    /// <summary>Returns <paramref name="filter"/> extended with the constraints of the matching rules, and their names.</summary>
    public static (ItemFilter Filter, IReadOnlyList<string> Applied) Apply(
        ItemFilter filter,
        IReadOnlyList<BusinessRule> rules,
        IReadOnlyDictionary<string, string>? profile,
        IReadOnlyDictionary<string, string>? context)
    {
        List<string>? applied = null;
        foreach (var rule in rules)
        {
            if (!rule.Matches(profile, context)) continue;
            filter = filter.With(rule.Then);
            (applied ??= []).Add(rule.Name);
        }
        return (filter, (IReadOnlyList<string>?)applied ?? []);
    }
}
