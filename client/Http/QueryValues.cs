using System.Globalization;
using OrleansReco.GrainInterfaces.Events;

namespace OrleansReco.Gateway.Http;

/// <summary>
/// Typed values of a query string. A bad value is an error naming its key (never a silent default), so that one 400
/// answer lists every bad key.
/// </summary>
public static class QueryValues
{
    /// <summary>An integer in [<paramref name="min"/>, <paramref name="max"/>]; null when the key is absent or the value is bad.</summary>
    public static int? Integer(IQueryCollection query, string name, List<FieldError> errors, int min = int.MinValue, int max = int.MaxValue)
    {
        if (!query.TryGetValue(name, out var raw)) return null;
        string text = raw.ToString();
        if (int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) && n >= min && n <= max) return n;
        errors.Add(new FieldError(name, min == int.MinValue && max == int.MaxValue
            ? $"{name} must be an integer, not '{JsonFields.Clip(text)}'."
            : $"{name} must be an integer from {min} to {max}, not '{JsonFields.Clip(text)}'."));
        return null;
    }

    /// <summary><c>true</c>/<c>false</c> (any case) or <c>1</c>/<c>0</c>; null when the key is absent or the value is bad.</summary>
    public static bool? Boolean(IQueryCollection query, string name, List<FieldError> errors)
    {
        if (!query.TryGetValue(name, out var raw)) return null;
        string text = raw.ToString();
        if (bool.TryParse(text, out var b)) return b;
        if (text is "1" or "0") return text == "1";
        errors.Add(new FieldError(name, $"{name} must be true or false, not '{JsonFields.Clip(text)}'."));
        return null;
    }

    /// <summary>The values of a repeated and/or comma-separated key (<c>a,b&amp;x=c</c>), trimmed; null when absent.</summary>
    public static string[]? List(IQueryCollection query, string name) =>
        query.TryGetValue(name, out var raw) ? raw.SelectMany(JsonFields.SplitList).ToArray() : null;
}
