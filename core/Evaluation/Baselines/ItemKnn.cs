using System.Numerics.Tensors;
using OrleansReco.Core.Data;

namespace OrleansReco.Core.Evaluation.Baselines;

/// <summary>
/// Item-based k-nearest neighbours on binarised interactions. Similarity is cosine,
/// <c>sim(i, j) = |U_i ∩ U_j| / sqrt(|U_i| |U_j|)</c> over the sets of users; each item keeps its
/// <see cref="Neighbours"/> most similar items. A user's score for item j is the sum of sim(h, j) over the
/// distinct items h of the history passed to <see cref="Score"/> that have j among their neighbours.
/// </summary>
public sealed class ItemKnn(int neighbours = 100) : IRecommender
{
    private ItemIndex? _index;
    private int[] _neighbourItems = [];
    private float[] _neighbourSims = [];
    private int[] _start = [];

    public string Name => "ItemKNN";

    public int Neighbours { get; } = neighbours > 0 ? neighbours : throw new ArgumentOutOfRangeException(nameof(neighbours), neighbours, "Neighbours must be positive.");

    public void Fit(InteractionDataset train, IReadOnlyList<string> catalog)
    {
        ArgumentNullException.ThrowIfNull(train);
        var index = new ItemIndex(catalog);
        var matrix = InteractionMatrix.Build(train.Interactions, index);
        var (itemStart, itemUsers) = matrix.Transpose();
        var counts = matrix.ItemCounts();
        int n = index.Count, keep = Math.Min(Neighbours, Math.Max(n - 1, 1));
        var items = new int[n * keep];
        var sims = new float[n * keep];
        var lengths = new int[n];
        Parallel.For(0, n, () => new float[n], (i, _, row) =>
        {
            // Co-occurrence counts of item i with every item, through the users who have i.
            Array.Clear(row);
            for (int p = itemStart[i]; p < itemStart[i + 1]; p++)
                foreach (int j in matrix.Row(itemUsers[p])) row[j] += 1f;
            if (counts[i] == 0) return row;
            for (int j = 0; j < n; j++)
                row[j] = row[j] > 0 ? row[j] / MathF.Sqrt((float)counts[i] * counts[j]) : 0f;
            row[i] = float.NegativeInfinity;
            var best = items.AsSpan(i * keep, keep);
            int found = RankingMetrics.TopK(row, [], best);
            int m = 0;
            while (m < found && row[best[m]] > 0) { sims[i * keep + m] = row[best[m]]; m++; }
            lengths[i] = m;
            return row;
        }, _ => { });
        // Compact to rows of varying length.
        _start = new int[n + 1];
        for (int i = 0; i < n; i++) _start[i + 1] = _start[i] + lengths[i];
        _neighbourItems = new int[_start[n]];
        _neighbourSims = new float[_start[n]];
        for (int i = 0; i < n; i++)
        {
            items.AsSpan(i * keep, lengths[i]).CopyTo(_neighbourItems.AsSpan(_start[i]));
            sims.AsSpan(i * keep, lengths[i]).CopyTo(_neighbourSims.AsSpan(_start[i]));
        }
        _index = index;
    }

    public void Score(string userId, IReadOnlyList<Interaction> history, Span<float> scores)
    {
        var index = _index ?? throw new InvalidOperationException("ItemKNN: call Fit before Score.");
        if (scores.Length != index.Count)
            throw new ArgumentException($"Scores span has {scores.Length} slots for a catalog of {index.Count}.", nameof(scores));
        scores.Clear();
        var distinct = index.RentDistinct(history, out int count);
        for (int h = 0; h < count; h++)
        {
            int item = distinct[h];
            for (int p = _start[item]; p < _start[item + 1]; p++)
                scores[_neighbourItems[p]] += _neighbourSims[p];
        }
        System.Buffers.ArrayPool<int>.Shared.Return(distinct);
    }
}
