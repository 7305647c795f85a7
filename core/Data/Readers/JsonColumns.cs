using System.Text.Json;

namespace OrleansReco.Core.Data.Readers;

/// <summary>
/// Feature columns that hold a JSON object per row (e.g. a products table's <c>metadata</c>:
/// <c>{"brand":"Nour","catalog_id":7}</c>) are expanded into one column per key, in the order the keys first appear.
/// A key becomes a column of its own name (<c>brand</c>), or <c>metadata.brand</c> when the table already has a
/// column of that name. Strings and numbers are kept as text, true/false as <c>true</c>/<c>false</c>, arrays of
/// scalars joined with <c>|</c> (a multi-valued feature), nested objects as their JSON text; null is missing.
/// </summary>
internal static class JsonColumns
{
    /// <summary>True when the column has values and every one of them is written as a JSON object (starts with <c>{</c>).</summary>
    public static bool IsObjectColumn(IEnumerable<string?> values)
    {
        bool any = false;
        foreach (var v in values)
        {
            if (v is null) continue;
            if (!v.StartsWith('{')) return false;
            any = true;
        }
        return any;
    }

    /// <summary>Reads one object into <paramref name="into"/> (key → value, null for missing); false with a reason when it is not a JSON object.</summary>
    public static bool TryRead(string text, Dictionary<string, string?> into, out string? problem)
    {
        into.Clear();
        problem = null;
        try
        {
            using var document = JsonDocument.Parse(text);
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                problem = "is not a JSON object";
                return false;
            }
            foreach (var property in document.RootElement.EnumerateObject())
                into[property.Name] = ToText(property.Value);
            return true;
        }
        catch (JsonException e)
        {
            problem = $"is not valid JSON ({e.Message})";
            return false;
        }
    }

    private static string? ToText(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Null or JsonValueKind.Undefined => null,
        JsonValueKind.String => value.GetString() is { Length: > 0 } s && !string.IsNullOrWhiteSpace(s) ? s.Trim() : null,
        JsonValueKind.Array => value.EnumerateArray().Select(ToText).Where(v => v is not null).ToList() is { Count: > 0 } parts
            ? string.Join(Model.FeatureSpec.MultiSeparator, parts)
            : null,
        JsonValueKind.True => "true",
        JsonValueKind.False => "false",
        _ => value.GetRawText(),
    };
}
