using System.Buffers;
using OrleansReco.Core.Data;

namespace OrleansReco.Core.Evaluation.Baselines;

/// <summary>
/// Binarised user × item matrix in compressed rows (each user's distinct catalog items, ascending), built from
/// training events. Every event counts as a positive interaction, whatever its type or value.
/// </summary>
internal sealed class InteractionMatrix
{
    private InteractionMatrix(int[] rowStart, int[] items, int itemCount)
    {
        RowStart = rowStart;
        Items = items;
        ItemCount = itemCount;
    }

    public int[] RowStart { get; }
    public int[] Items { get; }
    public int ItemCount { get; }
    public int UserCount => RowStart.Length - 1;

    public ReadOnlySpan<int> Row(int user) => Items.AsSpan(RowStart[user], RowStart[user + 1] - RowStart[user]);

    /// <summary>Builds the matrix; events on items outside the catalog are ignored.</summary>
    public static InteractionMatrix Build(IReadOnlyList<Interaction> events, ItemIndex index)
    {
        var byUser = new Dictionary<string, SortedSet<int>>(StringComparer.Ordinal);
        foreach (var e in events)
        {
            if (!index.TryGet(e.ItemId, out int item)) continue;
            if (!byUser.TryGetValue(e.UserId, out var set)) byUser[e.UserId] = set = [];
            set.Add(item);
        }
        var rowStart = new int[byUser.Count + 1];
        var items = new int[byUser.Values.Sum(s => s.Count)];
        int row = 0, at = 0;
        foreach (var set in byUser.Values)
        {
            foreach (int i in set) items[at++] = i;
            rowStart[++row] = at;
        }
        return new InteractionMatrix(rowStart, items, index.Count);
    }

    /// <summary>Number of users per item.</summary>
    public int[] ItemCounts()
    {
        var counts = new int[ItemCount];
        foreach (int i in Items) counts[i]++;
        return counts;
    }

    /// <summary>Item → users who have it (the transpose), as compressed rows.</summary>
    public (int[] Start, int[] Users) Transpose()
    {
        var counts = ItemCounts();
        var start = new int[ItemCount + 1];
        for (int i = 0; i < ItemCount; i++) start[i + 1] = start[i] + counts[i];
        var fill = start[..^1].ToArray();
        var users = new int[Items.Length];
        for (int u = 0; u < UserCount; u++)
            foreach (int i in Row(u)) users[fill[i]++] = u;
        return (start, users);
    }
}

/// <summary>Catalog item id ↔ index, fixed at fit time.</summary>
internal sealed class ItemIndex
{
    private readonly Dictionary<string, int> _indexOf;

    public ItemIndex(IReadOnlyList<string> catalog)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        _indexOf = new Dictionary<string, int>(catalog.Count, StringComparer.Ordinal);
        for (int i = 0; i < catalog.Count; i++)
            if (!_indexOf.TryAdd(catalog[i], i))
                throw new ArgumentException($"Catalog lists item '{catalog[i]}' twice.", nameof(catalog));
    }

    public int Count => _indexOf.Count;

    public bool TryGet(string itemId, out int index) => _indexOf.TryGetValue(itemId, out index);

    /// <summary>
    /// The distinct catalog items of <paramref name="history"/>, ascending, in a buffer rented from
    /// <see cref="ArrayPool{T}.Shared"/> (return it when done); unknown items are skipped. Keeps scoring free of
    /// per-call allocation.
    /// </summary>
    public int[] RentDistinct(IReadOnlyList<Interaction> history, out int count)
    {
        var buffer = ArrayPool<int>.Shared.Rent(Math.Max(1, history.Count));
        int n = 0;
        for (int i = 0; i < history.Count; i++)
            if (_indexOf.TryGetValue(history[i].ItemId, out int item)) buffer[n++] = item;
        var items = buffer.AsSpan(0, n);
        items.Sort();
        count = 0;
        for (int i = 0; i < n; i++)
            if (i == 0 || items[i] != items[i - 1]) buffer[count++] = items[i];
        return buffer;
    }
}
