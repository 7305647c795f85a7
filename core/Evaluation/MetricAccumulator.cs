namespace OrleansReco.Core.Evaluation;

/// <summary>Mean metrics at one cut-off K over the evaluated users.</summary>
public sealed record MetricsAtK(int K, double Recall, double Ndcg, double HitRate, double Coverage);

/// <summary>Means over users: metrics at each K, MRR over the full catalog, and Recall@K for K = 1..curve length.</summary>
public sealed record MetricSummary(int Users, IReadOnlyList<MetricsAtK> ByK, double Mrr, IReadOnlyList<double> RecallCurve)
{
    /// <summary>The metrics at cut-off <paramref name="k"/>, or null when it was not computed.</summary>
    public MetricsAtK? At(int k)
    {
        foreach (var m in ByK)
            if (m.K == k) return m;
        return null;
    }
}

/// <summary>
/// Sums per-user metrics from the full-catalog ranks of the relevant items and the shown top-K list. Not thread
/// safe: give each worker its own accumulator and <see cref="Merge"/> them at the end (the sums are exact
/// up to floating-point order).
/// </summary>
public sealed class MetricAccumulator
{
    private readonly int[] _ks;
    private readonly double[] _recall, _ndcg, _hit;
    private readonly bool[][] _shown;
    private readonly int[] _shownCount;
    private readonly double[] _recallByRank; // [r] = sum over users of (relevant at rank r) / |relevant|, r = 1..curve
    private double _reciprocalRank;
    private int _users;

    /// <param name="ks">Cut-offs, e.g. 10 and 20.</param>
    /// <param name="catalogSize">Number of catalog items (for coverage).</param>
    /// <param name="curveLength">Largest K of the Recall@K curve (at least the largest cut-off).</param>
    public MetricAccumulator(IReadOnlyList<int> ks, int catalogSize, int curveLength = 100)
    {
        ArgumentNullException.ThrowIfNull(ks);
        if (ks.Count == 0) throw new ArgumentException("At least one cut-off K is needed.", nameof(ks));
        foreach (int k in ks) ArgumentOutOfRangeException.ThrowIfNegativeOrZero(k, nameof(ks));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(catalogSize);
        _ks = [.. ks];
        MaxK = _ks.Max();
        CurveLength = Math.Max(curveLength, MaxK);
        _recall = new double[_ks.Length];
        _ndcg = new double[_ks.Length];
        _hit = new double[_ks.Length];
        _shown = new bool[_ks.Length][];
        for (int i = 0; i < _ks.Length; i++) _shown[i] = new bool[catalogSize];
        _shownCount = new int[_ks.Length];
        _recallByRank = new double[CurveLength + 1];
    }

    /// <summary>The largest cut-off: the length of the top list to pass to <see cref="Add"/>.</summary>
    public int MaxK { get; }

    public int CurveLength { get; }

    public int Users => _users;

    /// <summary>
    /// Adds one user. <paramref name="relevantRanks"/> are the 1-based full-catalog ranks of the user's relevant
    /// items (from <see cref="RankingMetrics.RankOf"/>); <paramref name="topItems"/> is the shown list, best first,
    /// at least <see cref="MaxK"/> long unless the catalog is smaller. Users with no relevant item are ignored.
    /// </summary>
    public void Add(ReadOnlySpan<int> relevantRanks, ReadOnlySpan<int> topItems)
    {
        if (relevantRanks.IsEmpty) return;
        _users++;
        int best = int.MaxValue;
        foreach (int r in relevantRanks)
        {
            if (r < 1) throw new ArgumentOutOfRangeException(nameof(relevantRanks), $"Ranks are 1-based, got {r}.");
            best = Math.Min(best, r);
            if (r <= CurveLength) _recallByRank[r] += 1.0 / relevantRanks.Length;
        }
        _reciprocalRank += 1.0 / best;
        for (int i = 0; i < _ks.Length; i++)
        {
            int k = _ks[i], hits = 0;
            double dcg = 0;
            foreach (int r in relevantRanks)
            {
                if (r > k) continue;
                hits++;
                dcg += RankingMetrics.Discount(r);
            }
            _recall[i] += (double)hits / relevantRanks.Length;
            _hit[i] += hits > 0 ? 1 : 0;
            _ndcg[i] += dcg / RankingMetrics.IdealDcg(relevantRanks.Length, k);
            var shown = _shown[i];
            for (int j = 0; j < Math.Min(k, topItems.Length); j++)
                if (!shown[topItems[j]]) { shown[topItems[j]] = true; _shownCount[i]++; }
        }
    }

    /// <summary>Adds another accumulator's users (same cut-offs and catalog) into this one.</summary>
    public void Merge(MetricAccumulator other)
    {
        ArgumentNullException.ThrowIfNull(other);
        if (!other._ks.AsSpan().SequenceEqual(_ks) || other._shown[0].Length != _shown[0].Length || other.CurveLength != CurveLength)
            throw new ArgumentException("Accumulators differ in cut-offs, catalog size or curve length.", nameof(other));
        _users += other._users;
        _reciprocalRank += other._reciprocalRank;
        for (int r = 0; r < _recallByRank.Length; r++) _recallByRank[r] += other._recallByRank[r];
        for (int i = 0; i < _ks.Length; i++)
        {
            _recall[i] += other._recall[i];
            _ndcg[i] += other._ndcg[i];
            _hit[i] += other._hit[i];
            var mine = _shown[i];
            var theirs = other._shown[i];
            for (int j = 0; j < mine.Length; j++)
                if (theirs[j] && !mine[j]) { mine[j] = true; _shownCount[i]++; }
        }
    }

    /// <summary>Means over the users added so far (all zero when there are none).</summary>
    public MetricSummary Summary()
    {
        double n = Math.Max(_users, 1);
        var byK = new MetricsAtK[_ks.Length];
        for (int i = 0; i < _ks.Length; i++)
            byK[i] = new MetricsAtK(_ks[i], _recall[i] / n, _ndcg[i] / n, _hit[i] / n, (double)_shownCount[i] / _shown[i].Length);
        var curve = new double[CurveLength];
        double cumulative = 0;
        for (int r = 1; r <= CurveLength; r++)
        {
            cumulative += _recallByRank[r];
            curve[r - 1] = cumulative / n;
        }
        return new MetricSummary(_users, byK, _reciprocalRank / n, curve);
    }
}
