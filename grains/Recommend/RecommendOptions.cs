using Microsoft.Extensions.Options;
using OrleansReco.Core.Serving;

namespace OrleansReco.Grains.Recommend;

/// <summary>How queries are answered. Bound from section <c>Reco:Recommend</c>.</summary>
public sealed class RecommendOptions
{
    public const string Section = "Reco:Recommend";

    /// <summary>How long a query waits for the shards; a shard that misses it makes the answer partial. Default 500 ms.</summary>
    public TimeSpan ShardDeadline { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Largest K a query may ask for. Default 1000.</summary>
    public int MaxK { get; set; } = 1000;

    /// <summary>Business rules applied to every query, as JSON (see <c>RuleSet</c>): <c>[{"when": {...}, "exclude": {...}}]</c>.</summary>
    public string? RulesJson { get; set; }

    /// <summary>A file holding rules as JSON, applied to every query after <see cref="RulesJson"/>.</summary>
    public string? RulesPath { get; set; }
}

public sealed class RecommendOptionsValidator : IValidateOptions<RecommendOptions>
{
    public ValidateOptionsResult Validate(string? name, RecommendOptions o)
    {
        var failures = new List<string>();
        if (o.ShardDeadline <= TimeSpan.Zero || o.ShardDeadline > TimeSpan.FromMinutes(1))
            failures.Add($"Reco:Recommend:ShardDeadline (env Reco__Recommend__ShardDeadline) must be in (0, 1 min], not {o.ShardDeadline}.");
        if (o.MaxK is < 1 or > 100_000)
            failures.Add($"Reco:Recommend:MaxK (env Reco__Recommend__MaxK) must be in [1, 100000], not {o.MaxK}.");
        try { ServingRules.Read(o); }
        catch (Exception e) when (e is FormatException or IOException or UnauthorizedAccessException)
        {
            failures.Add($"Reco:Recommend:RulesJson / RulesPath (env Reco__Recommend__RulesJson / Reco__Recommend__RulesPath): {e.Message}");
        }
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}

/// <summary>The silo-wide business rules, parsed once from <see cref="RecommendOptions"/>.</summary>
public sealed class ServingRules(IOptions<RecommendOptions> options)
{
    private readonly Lazy<IReadOnlyList<BusinessRule>> _rules = new(() => Read(options.Value));

    public IReadOnlyList<BusinessRule> Rules => _rules.Value;

    internal static IReadOnlyList<BusinessRule> Read(RecommendOptions o)
    {
        var rules = new List<BusinessRule>();
        if (!string.IsNullOrWhiteSpace(o.RulesJson)) rules.AddRange(RuleSet.Parse(o.RulesJson));
        if (!string.IsNullOrWhiteSpace(o.RulesPath)) rules.AddRange(RuleSet.Parse(File.ReadAllText(o.RulesPath)));
        return rules;
    }
}
