using OrleansReco.GrainInterfaces;
using OrleansReco.GrainInterfaces.Events;

namespace OrleansReco.Gateway.Http;

/// <summary>
/// Recommendation options as a request gives them (query string or JSON body): <c>k</c>, <c>exclude_seen</c>,
/// <c>categories</c> (→ Require category), <c>exclude_categories</c> (→ Exclude category), <c>per_field</c> +
/// <c>n_per</c> (→ at most n_per items per value of that field; n_per defaults to 1), <c>context</c> (request facts
/// that <c>context.*</c> rules match; <c>context.device=mobile</c> in a query string) and <c>rules</c> (per-query rules
/// as JSON, admin keys only).
/// </summary>
public sealed record QueryInput(
    int? K, bool? ExcludeSeen, string[]? Categories, string[]? ExcludeCategories, string? PerField, int? NPer,
    Dictionary<string, string>? Context = null, string? RulesJson = null)
{
    public const string CategoryField = "category";

    /// <summary>Query-string keys with this prefix make up the request context.</summary>
    public const string ContextPrefix = "context.";

    /// <summary>The grain query; adds an error per bad field to <paramref name="errors"/>.</summary>
    public RecommendQuery ToQuery(int maxK, List<FieldError> errors, string prefix = "")
    {
        int k = K ?? 10;
        if (k < 1 || k > maxK) errors.Add(new FieldError(prefix + "k", $"k must be from 1 to {maxK} (Reco:Gateway:MaxK), not {k}."));
        if (PerField is { } f && (f.Length == 0 || f.Length > InputLimits.MaxNameLength))
            errors.Add(new FieldError(prefix + "per_field", $"per_field must have 1 to {InputLimits.MaxNameLength} characters."));
        if (NPer is { } n && n < 1) errors.Add(new FieldError(prefix + "n_per", $"n_per must be positive, not {n}."));
        if (NPer is not null && string.IsNullOrEmpty(PerField)) errors.Add(new FieldError(prefix + "per_field", "n_per needs per_field (the field to limit, e.g. category)."));
        InputLimits.CheckList(Categories, prefix + "categories", errors);
        InputLimits.CheckList(ExcludeCategories, prefix + "exclude_categories", errors);
        var rules = new List<FieldRule>();
        if (Categories is { Length: > 0 } require) rules.Add(FieldRule.Require(CategoryField, require));
        if (ExcludeCategories is { Length: > 0 } exclude) rules.Add(FieldRule.Exclude(CategoryField, exclude));
        return new RecommendQuery(
            K: k,
            ExcludeSeen: ExcludeSeen ?? true,
            Rules: rules.Count > 0 ? rules.ToArray() : null,
            LimitField: string.IsNullOrEmpty(PerField) ? null : PerField,
            LimitPerValue: string.IsNullOrEmpty(PerField) ? 0 : NPer ?? 1,
            Context: Context is { Count: > 0 } ? Context : null,
            RulesJson: RulesJson);
    }

    /// <summary>Reads the options from a query string; bad numbers and booleans are recorded in <paramref name="errors"/>.</summary>
    public static QueryInput FromQuery(IQueryCollection query, List<FieldError> errors) => new(
        QueryValues.Integer(query, "k", errors),
        QueryValues.Boolean(query, "exclude_seen", errors),
        QueryValues.List(query, "categories"),
        QueryValues.List(query, "exclude_categories"),
        query.TryGetValue("per_field", out var perField) ? perField.ToString() : null,
        QueryValues.Integer(query, "n_per", errors),
        ReadContext(query, errors));

    /// <summary>The <c>context.NAME=value</c> keys of a query string, within the limits of a feature map.</summary>
    private static Dictionary<string, string>? ReadContext(IQueryCollection query, List<FieldError> errors)
    {
        Dictionary<string, string>? context = null;
        foreach (var (key, value) in query)
        {
            if (!key.StartsWith(ContextPrefix, StringComparison.Ordinal)) continue;
            string name = key[ContextPrefix.Length..];
            string text = value.ToString();
            if (name.Length is 0 or > InputLimits.MaxNameLength)
                errors.Add(new FieldError("context", $"Context names must have 1 to {InputLimits.MaxNameLength} characters."));
            else if (text.Length > InputLimits.MaxValueLength)
                errors.Add(new FieldError(key, $"The value has {text.Length} characters; at most {InputLimits.MaxValueLength} are allowed."));
            else (context ??= new Dictionary<string, string>(StringComparer.Ordinal))[name] = text;
        }
        if (context?.Count > InputLimits.MaxFeatures)
            errors.Add(new FieldError("context", $"context has {context.Count} entries; at most {InputLimits.MaxFeatures} are allowed."));
        return context;
    }
}
