using System.Numerics.Tensors;
using OrleansReco.Core.Data;
using OrleansReco.Core.Evaluation;

namespace OrleansReco.Core.Model;

/// <summary>
/// Exact ranking of a whole catalog for offline work (batch export, scoring): every item embedded once with
/// the bundle's item tower into one flat matrix, then per user a dot product with every item and a partial top-K
/// that skips seen items. With a group field, items are ordered by that field's value so that each value's items
/// are one contiguous range, and top-N per value is a top-N over that range.
/// Safe for concurrent callers: per-user state lives in the caller's <see cref="Scratch"/>.
/// </summary>
public sealed class CatalogRanker
{
    private readonly TwoTowerModel _model;
    private readonly float[] _vectors;
    private readonly Dictionary<string, int> _index;
    private readonly (string Value, int Start, int End)[] _groups;

    /// <param name="model">The model whose item tower embeds the catalog.</param>
    /// <param name="itemIds">The catalog.</param>
    /// <param name="items">Item features (may be null or miss some items: those are embedded from their id).</param>
    /// <param name="groupField">Item column for top-N per value (e.g. <c>product_type</c>), or null.</param>
    /// <param name="progress">Called with the number of items embedded so far.</param>
    public CatalogRanker(TwoTowerModel model, IReadOnlyList<string> itemIds, FeatureTable? items, string? groupField = null, Action<int>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(itemIds);
        _model = model;
        int groupColumn = -1;
        if (groupField is not null)
        {
            groupColumn = items?.ColumnIndex(groupField) ?? -1;
            if (groupColumn < 0)
                throw new ArgumentException($"The items table has no column '{groupField}' to group by" +
                                            (items is null ? " (no items table was given)." : $"; it has: {string.Join(", ", items.Columns.Select(c => c.Name))}."));
        }
        string GroupOf(string id) => items!.TryGetRow(id, out var row) ? row[groupColumn] ?? "" : "";
        var ids = itemIds.Distinct(StringComparer.Ordinal).ToArray();
        if (groupColumn >= 0)
            ids = ids.Select((id, order) => (id, order)).OrderBy(p => GroupOf(p.id), StringComparer.Ordinal).ThenBy(p => p.order).Select(p => p.id).ToArray();
        ItemIds = ids;
        _index = new Dictionary<string, int>(ids.Length, StringComparer.Ordinal);
        for (int i = 0; i < ids.Length; i++) _index[ids[i]] = i;

        int d = model.Dimension;
        _vectors = new float[ids.Length * d];
        var map = model.Header.Item.MapColumns(items);
        int done = 0;
        Parallel.For(0, (ids.Length + 1023) / 1024, chunk =>
        {
            // One row buffer per chunk: the table's values are copied into it, not into an array per item.
            var buffer = items is null ? null : new string?[items.Columns.Count];
            for (int i = chunk * 1024; i < Math.Min(ids.Length, (chunk + 1) * 1024); i++)
            {
                int at = items?.IndexOf(ids[i]) ?? -1;
                if (at >= 0) items!.RowValues(at).CopyTo(buffer);
                model.EmbedItem(ids[i], at >= 0 ? buffer : null, at >= 0 ? map : default, _vectors.AsSpan(i * d, d));
            }
            progress?.Invoke(Interlocked.Add(ref done, Math.Min(1024, ids.Length - chunk * 1024)));
        });

        var groups = new List<(string, int, int)>();
        if (groupColumn >= 0)
        {
            int start = 0;
            for (int i = 1; i <= ids.Length; i++)
            {
                if (i < ids.Length && GroupOf(ids[i]) == GroupOf(ids[start])) continue;
                groups.Add((GroupOf(ids[start]), start, i));
                start = i;
            }
        }
        _groups = groups.ToArray();
    }

    /// <summary>Catalog in ranking order (grouped by the group field's value when one was given).</summary>
    public IReadOnlyList<string> ItemIds { get; }

    /// <summary>Catalog index of an item id, or -1.</summary>
    public int IndexOf(string itemId) => _index.TryGetValue(itemId, out int i) ? i : -1;

    /// <summary>Every item embedding, row after row in <see cref="ItemIds"/> order.</summary>
    public ReadOnlySpan<float> Vectors => _vectors;

    /// <summary>The item embedding at catalog index <paramref name="index"/>.</summary>
    public ReadOnlySpan<float> Vector(int index) => _vectors.AsSpan(index * _model.Dimension, _model.Dimension);

    /// <summary>
    /// Scores every catalog item (in <see cref="ItemIds"/> order) against a user embedding.
    /// Scalar equivalent: <c>scores[i] = sum_j item_i[j] * user[j]</c>.
    /// </summary>
    public void Score(ReadOnlySpan<float> user, Span<float> scores)
    {
        int d = _model.Dimension;
        if (user.Length != d) throw new ArgumentException($"The user vector has length {user.Length}; the model's dimension is {d}.", nameof(user));
        if (scores.Length != ItemIds.Count) throw new ArgumentException($"Scores has length {scores.Length}; the catalog has {ItemIds.Count} items.", nameof(scores));
        for (int i = 0; i < scores.Length; i++)
            scores[i] = TensorPrimitives.Dot(_vectors.AsSpan(i * d, d), user);
    }

    /// <summary>Per-caller buffers; one per thread.</summary>
    public sealed class Scratch(int items, int dimension)
    {
        internal readonly float[] Scores = new float[items];
        internal readonly float[] User = new float[dimension];
        internal readonly List<int> Seen = [];
        internal readonly int[] Top = new int[Math.Min(items, 4096)];
    }

    public Scratch NewScratch() => new(ItemIds.Count, _model.Dimension);

    /// <summary>
    /// Ranks the catalog for a user: top <paramref name="k"/> overall, or top <paramref name="k"/> per group value
    /// when the ranker was built with a group field. Items in <paramref name="history"/> are skipped unless
    /// <paramref name="includeSeen"/>. Results go to <paramref name="output"/> as (group value or null, item index, score),
    /// best first within each group.
    /// </summary>
    public void Rank(IReadOnlyList<string?>? profile, ReadOnlySpan<int> profileMap, IReadOnlyList<Interaction> history, int k, bool includeSeen,
        Scratch scratch, List<(string? Group, int Item, float Score)> output)
    {
        ArgumentNullException.ThrowIfNull(scratch);
        ArgumentNullException.ThrowIfNull(output);
        if (k <= 0) throw new ArgumentOutOfRangeException(nameof(k), k, "k must be positive.");
        _model.EmbedUser(profile, profileMap, history, long.MaxValue, scratch.User);
        var scores = scratch.Scores.AsSpan();
        Score(scratch.User, scores);

        scratch.Seen.Clear();
        if (!includeSeen)
        {
            foreach (var e in history)
                if (_index.TryGetValue(e.ItemId, out int i)) scratch.Seen.Add(i);
            scratch.Seen.Sort();
        }
        var seen = System.Runtime.InteropServices.CollectionsMarshal.AsSpan(scratch.Seen);
        int take = Math.Min(k, scratch.Top.Length);
        if (_groups.Length == 0)
        {
            int n = RankingMetrics.TopK(scores, seen, scratch.Top.AsSpan(0, Math.Min(take, scores.Length)));
            for (int r = 0; r < n; r++) output.Add((null, scratch.Top[r], scores[scratch.Top[r]]));
            return;
        }
        Span<int> shifted = seen.Length <= 1024 ? stackalloc int[seen.Length] : new int[seen.Length];
        foreach (var (value, start, end) in _groups)
        {
            int count = 0;
            foreach (int s in seen)
                if (s >= start && s < end) shifted[count++] = s - start;
            var top = scratch.Top.AsSpan(0, Math.Min(take, end - start));
            int n = RankingMetrics.TopK(scores[start..end], shifted[..count], top);
            for (int r = 0; r < n; r++) output.Add((value, start + top[r], scores[start + top[r]]));
        }
    }
}
