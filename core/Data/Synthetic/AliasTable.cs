namespace OrleansReco.Core.Data.Synthetic;

/// <summary>
/// Walker's alias method (Vose's construction): after O(n) set-up, draws an index with probability proportional
/// to its weight in O(1), from one 64-bit random number. Also keeps the normalised probabilities,
/// which importance weights need.
/// </summary>
internal sealed class AliasTable
{
    private readonly double[] _threshold;
    private readonly int[] _alias;

    /// <summary>Builds the table; weights must be finite, non-negative and not all zero.</summary>
    public AliasTable(ReadOnlySpan<double> weights)
    {
        int n = weights.Length;
        if (n == 0) throw new ArgumentException("An alias table needs at least one weight.", nameof(weights));
        double total = 0;
        foreach (double w in weights)
        {
            if (!(w >= 0) || double.IsInfinity(w)) throw new ArgumentException($"Weights must be finite and non-negative, found {w}.", nameof(weights));
            total += w;
        }
        if (!(total > 0)) throw new ArgumentException("Weights must not all be zero.", nameof(weights));
        Probabilities = new double[n];
        _threshold = new double[n];
        _alias = new int[n];
        var small = new Stack<int>();
        var large = new Stack<int>();
        for (int i = 0; i < n; i++)
        {
            Probabilities[i] = weights[i] / total;
            _threshold[i] = Probabilities[i] * n;
            _alias[i] = i;
            (_threshold[i] < 1.0 ? small : large).Push(i);
        }
        while (small.Count > 0 && large.Count > 0)
        {
            int s = small.Pop(), l = large.Pop();
            _alias[s] = l;
            _threshold[l] -= 1.0 - _threshold[s];
            (_threshold[l] < 1.0 ? small : large).Push(l);
        }
        // Whatever is left is 1 up to rounding.
        while (large.Count > 0) _threshold[large.Pop()] = 1.0;
        while (small.Count > 0) _threshold[small.Pop()] = 1.0;
    }

    public int Count => _alias.Length;

    /// <summary>Normalised probability of each index (sums to 1).</summary>
    public double[] Probabilities { get; }

    /// <summary>One draw from a single 64-bit random number: the high half picks the slot, the low half decides
    /// between the slot and its alias (32 bits of resolution is ample for sampling).</summary>
    public int Sample(ref SyntheticRandom random)
    {
        ulong bits = random.NextUInt64();
        int i = (int)(((bits >> 32) * (ulong)_alias.Length) >> 32);
        return (bits & 0xFFFF_FFFFUL) * (1.0 / 4_294_967_296.0) < _threshold[i] ? i : _alias[i];
    }
}
