namespace OrleansReco.Core.Data.Synthetic;

/// <summary>
/// SplitMix64 (Steele, Lea &amp; Flood 2014): a small, fast generator whose output depends only on its 64-bit state,
/// so a stream seeded from (seed, purpose, index) gives the same numbers on every run and in any thread order.
/// A mutable struct: pass it by <c>ref</c>.
/// </summary>
internal struct SyntheticRandom
{
    private ulong _state;

    public SyntheticRandom(ulong state) => _state = state;

    /// <summary>An independent stream for one purpose (catalog, users, events…) and one index (a user, an item).</summary>
    public static SyntheticRandom For(int seed, ulong purpose, long index = 0)
    {
        ulong s = Mix((ulong)(uint)seed * 0x9E3779B97F4A7C15UL ^ purpose);
        s = Mix(s ^ (ulong)index * 0xD1B54A32D192ED03UL);
        return new SyntheticRandom(s);
    }

    public ulong NextUInt64()
    {
        _state += 0x9E3779B97F4A7C15UL;
        return Mix(_state);
    }

    /// <summary>Uniform in [0, 1), 53 random bits.</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>Uniform in [0, n) by multiply-shift (bias below 2⁻³² for the sizes used here). <paramref name="n"/> must be positive.</summary>
    public int NextInt(int n) => (int)(((NextUInt64() >> 32) * (ulong)n) >> 32);

    /// <summary>Uniform in [min, max).</summary>
    public double NextDouble(double min, double max) => min + (max - min) * NextDouble();

    /// <summary>Standard normal by Box–Muller (one of the pair; the other is dropped to keep the state simple).</summary>
    public double NextGaussian()
    {
        double u1 = 1.0 - NextDouble(); // (0, 1]
        double u2 = NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
    }

    /// <summary>Exponential with mean 1.</summary>
    public double NextExponential() => -Math.Log(1.0 - NextDouble());

    /// <summary>True with probability <paramref name="p"/>.</summary>
    public bool Chance(double p) => NextDouble() < p;

    /// <summary>An index drawn with probability proportional to <paramref name="weights"/> (linear scan; for short lists).</summary>
    public int Pick(ReadOnlySpan<double> weights)
    {
        double total = 0;
        foreach (double w in weights) total += w;
        double r = NextDouble() * total;
        for (int i = 0; i < weights.Length; i++)
        {
            r -= weights[i];
            if (r < 0) return i;
        }
        return weights.Length - 1;
    }

    /// <summary>One element of <paramref name="items"/>, uniformly.</summary>
    public T Pick<T>(IReadOnlyList<T> items) => items[NextInt(items.Count)];

    private static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
