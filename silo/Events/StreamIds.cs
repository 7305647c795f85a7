using StackExchange.Redis;

namespace OrleansReco.Silo.Events;

/// <summary>Redis Stream entry ids (<c>milliseconds-sequence</c>) compared as Redis orders them.</summary>
public static class StreamIds
{
    /// <summary>Negative, zero or positive as <paramref name="a"/> is before, the same as or after <paramref name="b"/>; a null id is before every id.</summary>
    public static int Compare(RedisValue a, RedisValue b)
    {
        if (a.IsNull || b.IsNull) return a.IsNull ? (b.IsNull ? 0 : -1) : 1;
        var (am, asq) = Parse(a.ToString());
        var (bm, bsq) = Parse(b.ToString());
        return am != bm ? am.CompareTo(bm) : asq.CompareTo(bsq);
    }

    /// <summary>The two parts of an id; a bare number is milliseconds with sequence 0.</summary>
    public static (ulong Milliseconds, ulong Sequence) Parse(string id)
    {
        int dash = id.IndexOf('-', StringComparison.Ordinal);
        var ms = ulong.Parse(dash < 0 ? id : id.AsSpan(0, dash), System.Globalization.CultureInfo.InvariantCulture);
        var seq = dash < 0 ? 0 : ulong.Parse(id.AsSpan(dash + 1), System.Globalization.CultureInfo.InvariantCulture);
        return (ms, seq);
    }
}
