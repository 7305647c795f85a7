using System.Text.Json;

namespace OrleansReco.Core.Serving;

/// <summary>
/// Reads business rules from JSON: an array of <c>{ "name": "...", "when": { "profile.x": "v", "context.y": "w" },
/// "exclude" | "require": { "field": ["value", ...] } }</c> (exactly one of exclude/require, with one field).
/// </summary>
public static class RuleSet
{
    /// <summary>Parses the rules; a malformed rule throws <see cref="FormatException"/> naming its position and what is wrong.</summary>
    public static IReadOnlyList<BusinessRule> Parse(string json)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json);
        }
        catch (JsonException e)
        {
            throw new FormatException($"Rules are not valid JSON: {e.Message}", e);
        }
        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Array)
                throw new FormatException("Rules must be a JSON array of rule objects.");
            var rules = new List<BusinessRule>();
            int index = 0;
            foreach (var element in document.RootElement.EnumerateArray())
            {
                rules.Add(ParseRule(element, index));
                index++;
            }
            return rules;
        }
    }

    private static BusinessRule ParseRule(JsonElement element, int index)
    {
        string where = $"rule {index}";
        if (element.ValueKind != JsonValueKind.Object)
            throw new FormatException($"{where}: must be an object.");
        string name = element.TryGetProperty("name", out var n) && n.ValueKind == JsonValueKind.String ? n.GetString()! : $"rule-{index}";
        where = $"rule {index} ('{name}')";

        var when = new Dictionary<string, string>(StringComparer.Ordinal);
        if (!element.TryGetProperty("when", out var whenElement) || whenElement.ValueKind != JsonValueKind.Object)
            throw new FormatException($"{where}: 'when' must be an object of conditions.");
        foreach (var condition in whenElement.EnumerateObject())
        {
            if (condition.Value.ValueKind != JsonValueKind.String)
                throw new FormatException($"{where}: condition '{condition.Name}' must be a string value.");
            when[condition.Name] = condition.Value.GetString()!;
        }

        bool hasExclude = element.TryGetProperty("exclude", out var exclude);
        bool hasRequire = element.TryGetProperty("require", out var require);
        if (hasExclude == hasRequire)
            throw new FormatException($"{where}: needs exactly one of 'exclude' or 'require'.");
        var (kind, body) = hasExclude ? (ConstraintKind.Exclude, exclude) : (ConstraintKind.Require, require);
        if (body.ValueKind != JsonValueKind.Object || body.EnumerateObject().Count() != 1)
            throw new FormatException($"{where}: '{(hasExclude ? "exclude" : "require")}' must be an object with exactly one field.");
        var field = body.EnumerateObject().First();
        if (field.Value.ValueKind != JsonValueKind.Array || field.Value.EnumerateArray().Any(v => v.ValueKind != JsonValueKind.String))
            throw new FormatException($"{where}: field '{field.Name}' must list string values.");
        try
        {
            var constraint = new FieldConstraint(field.Name, kind, field.Value.EnumerateArray().Select(v => v.GetString()!));
            return new BusinessRule(name, when, constraint);
        }
        catch (ArgumentException e)
        {
            throw new FormatException($"{where}: {e.Message}", e);
        }
    }
}
