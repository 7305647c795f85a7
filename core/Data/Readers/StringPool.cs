namespace OrleansReco.Core.Data.Readers;

/// <summary>Hands out one string instance per distinct id, looked up from a span without allocating.</summary>
internal sealed class StringPool
{
    private readonly HashSet<string> _set = new(StringComparer.Ordinal);
    private readonly HashSet<string>.AlternateLookup<ReadOnlySpan<char>> _lookup;

    /// <summary>Feature values up to this length are pooled (categories repeat; long texts rarely do).</summary>
    public const int MaxPooledLength = 64;

    public StringPool() => _lookup = _set.GetAlternateLookup<ReadOnlySpan<char>>();

    public int Count => _set.Count;

    public string Get(ReadOnlySpan<char> text)
    {
        if (_lookup.TryGetValue(text, out var existing)) return existing;
        string s = new(text);
        _set.Add(s);
        return s;
    }
}
