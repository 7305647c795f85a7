namespace OrleansReco.Core.Model;

/// <summary>
/// Deterministic hashing used by both training and serving: 64-bit FNV-1a over the UTF-16 code units of a
/// string (low byte, then high byte), salted by a seed. Never <see cref="string.GetHashCode()"/>, which is
/// randomised per process.
/// </summary>
public static class FeatureHashing
{
    private const ulong OffsetBasis = 14695981039346656037UL;
    private const ulong Prime = 1099511628211UL;

    /// <summary>FNV-1a 64 of <paramref name="text"/>'s UTF-16 code units, after mixing in <paramref name="seed"/>.</summary>
    public static ulong Hash(ReadOnlySpan<char> text, ulong seed)
    {
        ulong h = Seeded(seed);
        foreach (char c in text)
        {
            h ^= (byte)c;
            h *= Prime;
            h ^= (byte)(c >> 8);
            h *= Prime;
        }
        return h;
    }

    /// <summary>The bucket in <c>[0, buckets)</c> of <paramref name="text"/> under <paramref name="seed"/>.</summary>
    public static int Bucket(ReadOnlySpan<char> text, ulong seed, int buckets)
    {
        if (buckets <= 0) throw new ArgumentOutOfRangeException(nameof(buckets), buckets, "Bucket count must be positive.");
        return (int)(Hash(text, seed) % (ulong)buckets);
    }

    private static ulong Seeded(ulong seed)
    {
        ulong h = OffsetBasis;
        for (int i = 0; i < 8; i++)
        {
            h ^= (byte)(seed >> (8 * i));
            h *= Prime;
        }
        return h;
    }

    /// <summary>
    /// Writes the hashed buckets of the character n-grams (lengths <paramref name="minN"/>..<paramref name="maxN"/>)
    /// of <paramref name="text"/> into <paramref name="buckets"/> and returns how many were written (at most its
    /// length; later n-grams are dropped). The text is lower-cased (invariant), whitespace runs become one space,
    /// and one space pads each end, so word boundaries are part of the n-grams. Order: by start position, then by
    /// length. Works on UTF-16 code units, so any script (Arabic, CJK, ...) hashes the same everywhere. A text
    /// shorter than <paramref name="minN"/> yields one n-gram (itself); an empty or blank text yields none.
    /// </summary>
    public static int TextNgrams(string? text, ulong seed, int bucketCount, int minN, int maxN, Span<int> buckets)
    {
        if (minN < 1 || maxN < minN) throw new ArgumentOutOfRangeException(nameof(minN), $"n-gram lengths {minN}..{maxN} are invalid.");
        if (string.IsNullOrWhiteSpace(text) || buckets.IsEmpty) return 0;
        const int MaxChars = 512;
        Span<char> norm = stackalloc char[Math.Min(text.Length, MaxChars) + 2];
        int len = 0;
        norm[len++] = ' ';
        bool lastSpace = true;
        for (int i = 0; i < text.Length && len < norm.Length - 1; i++)
        {
            char c = text[i];
            if (char.IsWhiteSpace(c))
            {
                if (lastSpace) continue;
                norm[len++] = ' ';
                lastSpace = true;
            }
            else
            {
                norm[len++] = char.ToLowerInvariant(c);
                lastSpace = false;
            }
        }
        if (!lastSpace) norm[len++] = ' ';
        var s = norm[..len];
        if (s.Length < minN)
        {
            buckets[0] = Bucket(s, seed, bucketCount);
            return 1;
        }
        int count = 0;
        for (int start = 0; start < s.Length; start++)
        {
            for (int n = minN; n <= maxN && start + n <= s.Length; n++)
            {
                if (count == buckets.Length) return count;
                buckets[count++] = Bucket(s.Slice(start, n), seed, bucketCount);
            }
        }
        return count;
    }
}
