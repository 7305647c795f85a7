namespace OrleansReco.Core.Data.Readers;

/// <summary>
/// Guesses a column's <see cref="FeatureKind"/> from its values, when no schema declares it:
/// <list type="bullet">
/// <item>every non-empty value is a number → <see cref="FeatureKind.Numeric"/>, unless the name says the numbers are
/// codes (<c>id</c>, <c>…_id</c>, <c>…Id</c>, <c>…zip…</c>, <c>…code</c>), which are categorical;</item>
/// <item>at least a fifth of the values hold <c>|</c> and no value is long prose → <see cref="FeatureKind.MultiCategorical"/>;</item>
/// <item>the name says title/name/description/text, or values average four words or more, or mostly distinct values with spaces → <see cref="FeatureKind.Text"/>;</item>
/// <item>otherwise → <see cref="FeatureKind.Categorical"/>.</item>
/// </list>
/// A column with no values at all is categorical.
/// </summary>
public static class FeatureInference
{
    public static FeatureKind Infer(string name, IEnumerable<string?> values)
    {
        long count = 0, numeric = 0, piped = 0, withSpace = 0, words = 0, longest = 0;
        var distinct = new HashSet<string>(StringComparer.Ordinal);
        foreach (var v in values)
        {
            if (string.IsNullOrEmpty(v)) continue;
            count++;
            if (ValueParsers.TryParseDouble(v, out _)) numeric++;
            if (v.Contains('|')) piped++;
            if (v.Contains(' ')) withSpace++;
            words += CountWords(v);
            longest = Math.Max(longest, v.Length);
            if (distinct.Count < 100_000) distinct.Add(v);
        }
        if (count == 0) return FeatureKind.Categorical;
        string lower = name.ToLowerInvariant();
        bool codeName = lower == "id" || lower.EndsWith("_id", StringComparison.Ordinal) || name.EndsWith("Id", StringComparison.Ordinal) ||
                        lower.Contains("zip", StringComparison.Ordinal) || lower.EndsWith("code", StringComparison.Ordinal);
        if (numeric == count) return codeName ? FeatureKind.Categorical : FeatureKind.Numeric;
        bool textName = lower is "title" or "name" or "description" or "text" or "summary" ||
                        lower.EndsWith("_title", StringComparison.Ordinal) || lower.EndsWith("_name", StringComparison.Ordinal) ||
                        lower.EndsWith("_description", StringComparison.Ordinal) || lower.EndsWith("_text", StringComparison.Ordinal);
        if (!textName && piped * 5 >= count && longest <= 200) return FeatureKind.MultiCategorical;
        double averageWords = (double)words / count;
        double distinctShare = (double)distinct.Count / Math.Min(count, 100_000);
        if (textName || averageWords >= 4 || (distinctShare > 0.5 && withSpace * 2 > count)) return FeatureKind.Text;
        return FeatureKind.Categorical;
    }

    private static int CountWords(string v)
    {
        int n = 0;
        bool inWord = false;
        foreach (char c in v)
        {
            bool space = char.IsWhiteSpace(c);
            if (!space && !inWord) n++;
            inWord = !space;
        }
        return n;
    }
}
