namespace OrleansReco.Gateway.Http;

/// <summary>
/// Sizes a request may give to one feature map or list parameter; past them the answer is 400 naming the field and
/// the limit (the body as a whole is bounded by <c>Reco:Gateway:MaxRequestBytes</c>).
/// </summary>
public static class InputLimits
{
    /// <summary>Entries in one map of features or metadata (an item's, a profile's).</summary>
    public const int MaxFeatures = 256;

    /// <summary>Characters in a feature name.</summary>
    public const int MaxNameLength = 256;

    /// <summary>Characters in a feature value (a multi-valued one as joined with <c>|</c>).</summary>
    public const int MaxValueLength = 4096;

    /// <summary>Values in a list parameter (<c>categories</c>, <c>exclude_categories</c>).</summary>
    public const int MaxListValues = 100;

    /// <summary>Characters in one value of a list parameter.</summary>
    public const int MaxListValueLength = 256;

    /// <summary>Adds an error when <paramref name="values"/> is longer than <see cref="MaxListValues"/> or holds a value longer than <see cref="MaxListValueLength"/>.</summary>
    public static void CheckList(string[]? values, string field, List<GrainInterfaces.Events.FieldError> errors)
    {
        if (values is null) return;
        if (values.Length > MaxListValues)
            errors.Add(new(field, $"{field} has {values.Length} values; at most {MaxListValues} are allowed."));
        for (int i = 0; i < values.Length; i++)
            if (values[i].Length > MaxListValueLength)
                errors.Add(new($"{field}[{i}]", $"The value has {values[i].Length} characters; at most {MaxListValueLength} are allowed."));
    }
}
