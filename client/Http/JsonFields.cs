using System.Globalization;
using System.Text.Json;
using OrleansReco.GrainInterfaces.Events;

namespace OrleansReco.Gateway.Http;

/// <summary>
/// Reads typed fields out of a JSON object and records every problem as a <see cref="FieldError"/> named by its path
/// (e.g. <c>events[3].value</c>), so that one answer can list all bad fields. A wrong JSON type is an error, never a
/// conversion: <c>"1.5"</c> is not a number and <c>"NaN"</c> is refused.
/// </summary>
public sealed class JsonFields(List<FieldError> errors)
{
    public List<FieldError> Errors { get; } = errors;

    public JsonFields() : this([]) { }

    public bool HasErrors => Errors.Count > 0;

    /// <summary>
    /// Every field path a reader asked for, present or not (e.g. <c>events[0].user_id</c>): what the reader accepts, which
    /// a test compares with the request record that documents it.
    /// </summary>
    public HashSet<string> Asked { get; } = new(StringComparer.Ordinal);

    /// <summary>Like <see cref="TryGet"/>, and records <paramref name="path"/> in <see cref="Asked"/>.</summary>
    public bool Has(JsonElement obj, string name, string path, out JsonElement value)
    {
        Asked.Add(path);
        return TryGet(obj, name, out value);
    }

    public void Add(string field, string message) => Errors.Add(new FieldError(field, message));

    /// <summary>True when the body is an object; otherwise records an error on <paramref name="path"/>.</summary>
    public bool RequireObject(JsonElement element, string path)
    {
        if (element.ValueKind == JsonValueKind.Object) return true;
        Add(path, $"Expected a JSON object, got {Kind(element)}.");
        return false;
    }

    public string? String(JsonElement obj, string name, string path, bool required)
    {
        if (!Has(obj, name, path, out var value))
        {
            if (required) Add(path, $"{Leaf(path)} is required.");
            return null;
        }
        if (value.ValueKind == JsonValueKind.String) return value.GetString();
        Add(path, $"Expected a string, got {Kind(value)}.");
        return null;
    }

    /// <summary>A finite number; strings (even "1", "NaN", "Infinity") are refused.</summary>
    public double? Number(JsonElement obj, string name, string path)
    {
        if (!Has(obj, name, path, out var value)) return null;
        if (value.ValueKind == JsonValueKind.Number && value.TryGetDouble(out var d) && double.IsFinite(d)) return d;
        Add(path, value.ValueKind == JsonValueKind.Number ? "The number is out of range." : $"Expected a number, got {Kind(value)}.");
        return null;
    }

    /// <summary>An integer in [<paramref name="min"/>, <paramref name="max"/>].</summary>
    public int? Integer(JsonElement obj, string name, string path, int min, int max)
    {
        if (!Has(obj, name, path, out var value)) return null;
        if (value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var n) && n >= min && n <= max) return (int)n;
        Add(path, value.ValueKind == JsonValueKind.Number ? $"Expected an integer from {min} to {max}, got {Clip(value.GetRawText())}." : $"Expected an integer, got {Kind(value)}.");
        return null;
    }

    public bool? Boolean(JsonElement obj, string name, string path)
    {
        if (!Has(obj, name, path, out var value)) return null;
        if (value.ValueKind is JsonValueKind.True or JsonValueKind.False) return value.GetBoolean();
        Add(path, $"Expected true or false, got {Kind(value)}.");
        return null;
    }

    /// <summary>An array of non-empty strings, or one comma-separated string.</summary>
    public string[]? StringList(JsonElement obj, string name, string path)
    {
        if (!Has(obj, name, path, out var value)) return null;
        if (value.ValueKind == JsonValueKind.String) return SplitList(value.GetString());
        if (value.ValueKind != JsonValueKind.Array)
        {
            Add(path, $"Expected an array of strings or a comma-separated string, got {Kind(value)}.");
            return null;
        }
        var list = new List<string>();
        int i = 0;
        foreach (var v in value.EnumerateArray())
        {
            if (v.ValueKind == JsonValueKind.String && !string.IsNullOrWhiteSpace(v.GetString())) list.Add(v.GetString()!.Trim());
            else Add($"{path}[{i}]", $"Expected a non-empty string, got {Kind(v)}.");
            i++;
        }
        return list.ToArray();
    }

    /// <summary>
    /// A map of feature values: strings as they are, finite numbers as written, arrays of strings joined with <c>|</c>
    /// (a multi-valued feature); null values are dropped.
    /// </summary>
    public Dictionary<string, string>? StringMap(JsonElement obj, string name, string path)
    {
        if (!Has(obj, name, path, out var value)) return null;
        if (value.ValueKind != JsonValueKind.Object)
        {
            Add(path, $"Expected an object of name → value, got {Kind(value)}.");
            return null;
        }
        int count = value.EnumerateObject().Count();
        if (count > InputLimits.MaxFeatures)
        {
            Add(path, $"{path} has {count} entries; at most {InputLimits.MaxFeatures} are allowed.");
            return null;
        }
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var p in value.EnumerateObject())
        {
            string at = p.Name.Length <= InputLimits.MaxNameLength ? $"{path}.{p.Name}" : $"{path}.{p.Name[..40]}…";
            if (p.Name.Length == 0 || p.Name.Length > InputLimits.MaxNameLength)
            {
                Add(at, $"Names must have 1 to {InputLimits.MaxNameLength} characters.");
                continue;
            }
            var v = p.Value;
            switch (v.ValueKind)
            {
                case JsonValueKind.Null: break;
                case JsonValueKind.String: map[p.Name] = v.GetString()!; break;
                case JsonValueKind.Number:
                    if (v.TryGetDouble(out var d) && double.IsFinite(d)) map[p.Name] = d.ToString("R", CultureInfo.InvariantCulture);
                    else Add(at, "The number is out of range.");
                    break;
                case JsonValueKind.True or JsonValueKind.False: map[p.Name] = v.GetBoolean() ? "true" : "false"; break;
                case JsonValueKind.Array when v.EnumerateArray().All(x => x.ValueKind == JsonValueKind.String):
                    map[p.Name] = string.Join('|', v.EnumerateArray().Select(x => x.GetString()));
                    break;
                default: Add(at, $"Expected a string, number, boolean or array of strings, got {Kind(v)}."); break;
            }
            if (map.TryGetValue(p.Name, out var stored) && stored.Length > InputLimits.MaxValueLength)
                Add(at, $"The value has {stored.Length} characters; at most {InputLimits.MaxValueLength} are allowed.");
        }
        return map;
    }

    /// <summary>
    /// Business rules as data (an array of <c>{name, when, require | exclude}</c>, see <c>RuleSet</c>), returned as JSON
    /// text once they parse; a malformed rule is an error on <paramref name="path"/> naming the rule.
    /// </summary>
    public string? Rules(JsonElement obj, string name, string path)
    {
        if (!Has(obj, name, path, out var value)) return null;
        if (value.ValueKind != JsonValueKind.Array)
        {
            Add(path, $"Expected an array of rules, got {Kind(value)}.");
            return null;
        }
        string json = value.GetRawText();
        try
        {
            _ = Core.Serving.RuleSet.Parse(json);
            return json;
        }
        catch (FormatException e)
        {
            Add(path, e.Message);
            return null;
        }
    }

    /// <summary>Unix seconds (a number, fractions dropped) or an ISO 8601 string; null when absent.</summary>
    public long? Timestamp(JsonElement obj, string name, string path)
    {
        if (!Has(obj, name, path, out var value)) return null;
        if (value.ValueKind == JsonValueKind.Number)
        {
            if (value.TryGetInt64(out var n)) return n;
            if (value.TryGetDouble(out var d) && double.IsFinite(d) && Math.Abs(d) < 1e15) return (long)Math.Floor(d);
            Add(path, "The timestamp is out of range; send unix seconds.");
            return null;
        }
        if (value.ValueKind == JsonValueKind.String
            && DateTimeOffset.TryParse(value.GetString(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AllowWhiteSpaces, out var t)
            && value.GetString()!.Trim().Length >= 10 && char.IsAsciiDigit(value.GetString()!.Trim()[0]))
            return t.ToUnixTimeSeconds();
        Add(path, $"Expected unix seconds or an ISO 8601 date-time such as 2026-01-31T12:00:00Z, got {Kind(value)}.");
        return null;
    }

    /// <summary>True when the property exists and is not null.</summary>
    public static bool TryGet(JsonElement obj, string name, out JsonElement value) =>
        obj.TryGetProperty(name, out value) && value.ValueKind != JsonValueKind.Null;

    public static string[] SplitList(string? text) =>
        (text ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    public static string Kind(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => $"the string \"{Clip(value.GetString() ?? "")}\"",
        JsonValueKind.Number => $"the number {Clip(value.GetRawText())}",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        JsonValueKind.Array => "an array",
        JsonValueKind.Object => "an object",
        _ => "null",
    };

    private static string Leaf(string path) => path[(path.LastIndexOf('.') + 1)..];

    /// <summary>A value as quoted in an error message: its first 40 characters.</summary>
    public static string Clip(string s) => s.Length <= 40 ? s : s[..40] + "…";
}
