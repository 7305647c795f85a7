using System.Globalization;

namespace OrleansReco.Core.Data.Readers;

/// <summary>Parsing of the scalar values found in data files, culture-invariant.</summary>
public static class ValueParsers
{
    /// <summary>Unix seconds above this are taken to be milliseconds (1e11 s is the year 5138).</summary>
    private const long MillisecondThreshold = 100_000_000_000L;

    /// <summary>
    /// Parses a timestamp: unix seconds (integer or decimal; values above 1e11 are read as milliseconds) or an
    /// ISO 8601 date / date-time (a value without an offset is taken as UTC). Returns unix seconds.
    /// </summary>
    public static bool TryParseTimestamp(ReadOnlySpan<char> text, out long unixSeconds)
    {
        text = text.Trim();
        if (long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long whole))
        {
            unixSeconds = Math.Abs(whole) > MillisecondThreshold ? whole / 1000 : whole;
            return true;
        }
        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double real) && double.IsFinite(real))
        {
            unixSeconds = (long)Math.Floor(Math.Abs(real) > MillisecondThreshold ? real / 1000 : real);
            return true;
        }
        // ISO 8601 only: yyyy-MM-dd, optionally followed by T (or a space) and a time, with Z or an offset.
        if (text.Length >= 10 && text[4] == '-' && text[7] == '-' && char.IsAsciiDigit(text[0]) &&
            (text.Length == 10 || text[10] is 'T' or 't' or ' ') &&
            DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var date))
        {
            unixSeconds = date.ToUnixTimeSeconds();
            return true;
        }
        unixSeconds = 0;
        return false;
    }

    public static bool TryParseFloat(ReadOnlySpan<char> text, out float value) =>
        float.TryParse(text.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out value) && float.IsFinite(value);

    public static bool TryParseDouble(ReadOnlySpan<char> text, out double value) =>
        double.TryParse(text.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out value) && double.IsFinite(value);

    internal static string Quote(ReadOnlySpan<char> text) => text.Length <= 40 ? $"'{text}'" : $"'{text[..40]}…'";
}
