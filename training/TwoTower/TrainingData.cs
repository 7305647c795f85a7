using System.Numerics.Tensors;
using OrleansReco.Core.Data;
using OrleansReco.Core.Model;

namespace OrleansReco.Training.TwoTower;

/// <summary>
/// A data set encoded once for training: items and users as dense rows with encoded features, every event
/// in per-user time order (CSR layout: <see cref="UserStart"/>), and causal examples. Example j is event j
/// as target; its history (<see cref="HistoryEnd"/>) is the user's events up to the end of its timestamp, at most
/// the newest N, without event j itself and without later events of j's item. So events of one timestamp (one second,
/// or one day in a log with dates only) are each other's history, as serving and the evaluation's split give a user's
/// whole group to the user tower; and since each event of a group sees all the others, the order of the group in the
/// file (often by item id) is not something a model can learn. A validation example's history ends at it (the events
/// after it are held out), as a test case's ends at its target.
/// </summary>
internal sealed class TrainingData
{
    public required List<string> ItemIds { get; init; }
    public required long[] ItemBucket { get; init; }
    public required TowerArrays ItemFeatures { get; init; }
    public required List<string> UserIds { get; init; }
    /// <summary>Profile rows, one per user in <see cref="UserIds"/> order.</summary>
    public required TowerArrays Profiles { get; init; }
    public required int[] UserStart { get; init; }
    public required int[] EventUser { get; init; }
    public required int[] EventItem { get; init; }
    public required long[] EventBucket { get; init; }
    public required float[] EventValue { get; init; }
    public required bool[] EventIsRating { get; init; }
    /// <summary>
    /// log of the event's history weight up to a per-user constant: log(type weight) + ln 2 · (t − t₀) / half-life.
    /// A window's weights are exp(log − max log) normalised, which equals the type weight times the decay from the
    /// window's newest event (<see cref="HistoryWeighting.Normalised"/>) without a power per event.
    /// </summary>
    public required float[] EventLogWeight { get; init; }
    /// <summary>
    /// log of each event's type weight (−∞ for weight 0), for the short-term mean's weights; null without one
    /// (<see cref="HistoryWeighting.RecentHalfLifeEvents"/> 0).
    /// </summary>
    public required float[]? EventLogType { get; init; }
    /// <summary>Short-term mean: log 2 / the half-life in events (0 without one).</summary>
    public required float RecentDecay { get; init; }
    /// <summary>Row of each event in the attention encoder's event-type table (null for the mean).</summary>
    public required long[]? EventToken { get; init; }
    /// <summary>Most recent events per history window (N); the batch's history columns.</summary>
    public required int HistoryLength { get; init; }
    /// <summary>Example j's history is taken from events [UserStart of its user, HistoryEnd[j]), j and later events of j's item left out.</summary>
    public required int[] HistoryEnd { get; init; }
    public required int[] TrainExamples { get; init; }
    public required int[] ValidationExamples { get; init; }
    /// <summary>
    /// Each user's distinct item rows among their training events (before their validation target, if any), sorted:
    /// user u's are <c>SeenItems[SeenStart[u]..SeenStart[u + 1]]</c>. Null when the loss does not mask seen negatives.
    /// </summary>
    public required int[]? SeenStart { get; init; }
    public required int[]? SeenItems { get; init; }
    /// <summary>log of each item's share of the training targets (a floor for unseen items).</summary>
    public required float[] LogPopularity { get; init; }

    public int Items => ItemIds.Count;

    public static TrainingData Build(InteractionDataset data, IReadOnlyList<string>? catalog, BundleHeader schema, TwoTowerOptions options)
    {
        var itemIds = new List<string>();
        var itemRow = new Dictionary<string, int>(StringComparer.Ordinal);
        void AddItem(string id)
        {
            if (itemRow.TryAdd(id, itemIds.Count)) itemIds.Add(id);
        }
        if (catalog is not null) foreach (var id in catalog) AddItem(id);
        if (data.Items is not null) foreach (var id in data.Items.Keys) AddItem(id);
        foreach (var e in data.Interactions) AddItem(e.ItemId);

        var itemBucket = new long[itemIds.Count];
        for (int i = 0; i < itemIds.Count; i++) itemBucket[i] = FeatureHashing.Bucket(itemIds[i], schema.IdHashSeed, schema.IdBuckets);
        var itemMap = schema.Item.MapColumns(data.Items);
        var itemFeatures = TowerArrays.Encode(schema.Item, itemIds.Count, data.Items, r => data.Items!.IndexOf(itemIds[r]), itemMap);

        var userIds = new List<string>();
        var userRow = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var e in data.Interactions)
            if (userRow.TryAdd(e.UserId, userIds.Count)) userIds.Add(e.UserId);
        var userMap = schema.User.MapColumns(data.Users);
        var profiles = TowerArrays.Encode(schema.User, userIds.Count, data.Users, r => data.Users!.IndexOf(userIds[r]), userMap);

        int n = data.Interactions.Count;
        var order = new int[n];
        var keys = new (int User, long Time, int Index)[n];
        for (int i = 0; i < n; i++)
        {
            var e = data.Interactions[i];
            keys[i] = (userRow[e.UserId], e.Timestamp, i);
            order[i] = i;
        }
        Array.Sort(keys, order);
        var eventUser = new int[n];
        var eventItem = new int[n];
        var eventBucket = new long[n];
        var eventType = new float[n];
        var eventValue = new float[n];
        var eventRating = new bool[n];
        var eventTime = new long[n];
        var userStart = new int[userIds.Count + 1];
        for (int j = 0; j < n; j++)
        {
            var e = data.Interactions[order[j]];
            eventUser[j] = keys[j].User;
            eventItem[j] = itemRow[e.ItemId];
            eventBucket[j] = itemBucket[eventItem[j]];
            eventType[j] = schema.History.TypeWeight(e.EventType, e.Value);
            eventValue[j] = e.Value;
            eventRating[j] = string.Equals(e.EventType, EventTypes.Rating, StringComparison.Ordinal);
            eventTime[j] = e.Timestamp;
            userStart[keys[j].User + 1]++;
        }
        for (int u = 0; u < userIds.Count; u++) userStart[u + 1] += userStart[u];

        long[]? eventToken = null;
        if (schema.Attention is { } attention)
        {
            eventToken = new long[n];
            for (int j = 0; j < n; j++)
            {
                var e = data.Interactions[order[j]];
                eventToken[j] = attention.TypeToken(e.EventType, e.Value);
            }
        }

        var eventLogWeight = new float[n];
        double halfLife = schema.History.HalfLifeSeconds;
        for (int j = 0; j < n; j++)
        {
            long origin = eventTime[userStart[eventUser[j]]];
            double decay = halfLife > 0 ? Math.Log(2) * (eventTime[j] - origin) / halfLife : 0;
            eventLogWeight[j] = eventType[j] > 0 ? (float)(Math.Log(eventType[j]) + decay) : float.NegativeInfinity;
        }
        float[]? eventLogType = null;
        if (schema.Aggregation == HistoryAggregation.Mean && schema.History.HasRecent)
        {
            eventLogType = new float[n];
            for (int j = 0; j < n; j++) eventLogType[j] = eventType[j] > 0 ? (float)Math.Log(eventType[j]) : float.NegativeInfinity;
        }

        // First time each user meets each item: serving excludes seen items by default, so a repeat (the cart and
        // purchase after a view of the same item) is history, not something to learn to recommend.
        var firstTime = new bool[n];
        var met = new HashSet<int>();
        for (int u = 0; u < userIds.Count; u++)
        {
            met.Clear();
            for (int j = userStart[u]; j < userStart[u + 1]; j++) firstTime[j] = met.Add(eventItem[j]);
        }

        var rng = new Random(unchecked((int)options.Seed));
        var validation = new List<int>();
        // Events from a user's validation target on are held out of training (they come after it in time).
        var trainEnd = (int[])userStart[1..].Clone();
        if (options.Validate)
        {
            var candidates = new List<int>();
            for (int u = 0; u < userIds.Count; u++)
            {
                if (userStart[u + 1] - userStart[u] < 3) continue;
                for (int j = userStart[u + 1] - 1; j > userStart[u]; j--)
                {
                    if (!firstTime[j] || eventType[j] <= 0) continue;
                    candidates.Add(j); // j > the user's first event, so its history is not empty
                    break;
                }
            }
            if (candidates.Count >= 20)
            {
                var picked = candidates.ToArray();
                rng.Shuffle(picked);
                validation.AddRange(picked.Take(options.ValidationUsers).Order());
                foreach (int j in validation) trainEnd[eventUser[j]] = j;
            }
        }
        // The end of each event's timestamp group, held to its user's training events: no training history holds a
        // validation target, and a validation target's history ends at itself.
        var historyEnd = new int[n];
        for (int j = n - 1; j >= 0; j--)
        {
            bool tiedWithNext = j + 1 < n && eventUser[j + 1] == eventUser[j] && eventTime[j + 1] == eventTime[j];
            historyEnd[j] = Math.Min(tiedWithNext ? historyEnd[j + 1] : j + 1, Math.Max(trainEnd[eventUser[j]], j));
        }
        var train = new List<int>(n);
        for (int j = 0; j < n; j++)
            if (eventType[j] > 0 && j < trainEnd[eventUser[j]] && (options.RepeatTargets || firstTime[j])) train.Add(j);

        int[]? seenStart = null, seenItems = null;
        if (options.MasksSeenNegatives)
            (seenStart, seenItems) = SeenByUser(userStart, trainEnd, eventItem);

        var counts = new double[itemIds.Count];
        foreach (int j in train) counts[eventItem[j]]++;
        double total = Math.Max(train.Count, 1);
        var logPop = new float[itemIds.Count];
        for (int i = 0; i < logPop.Length; i++) logPop[i] = (float)Math.Log(Math.Max(counts[i], 0.5) / total);

        return new TrainingData
        {
            ItemIds = itemIds,
            ItemBucket = itemBucket,
            ItemFeatures = itemFeatures,
            UserIds = userIds,
            Profiles = profiles,
            UserStart = userStart,
            EventUser = eventUser,
            EventItem = eventItem,
            EventBucket = eventBucket,
            EventValue = eventValue,
            EventIsRating = eventRating,
            EventLogWeight = eventLogWeight,
            EventToken = schema.Aggregation == HistoryAggregation.Attention ? eventToken : null,
            EventLogType = eventLogType,
            RecentDecay = eventLogType is null ? 0f : (float)(Math.Log(2) / schema.History.RecentHalfLifeEvents),
            HistoryLength = schema.History.Length,
            HistoryEnd = historyEnd,
            TrainExamples = train.ToArray(),
            ValidationExamples = validation.ToArray(),
            LogPopularity = logPop,
            SeenStart = seenStart,
            SeenItems = seenItems,
        };
    }

    /// <summary>Each user's distinct items among events [userStart[u], trainEnd[u]), sorted, in CSR layout.</summary>
    private static (int[] Start, int[] Items) SeenByUser(int[] userStart, int[] trainEnd, int[] eventItem)
    {
        int users = userStart.Length - 1;
        var start = new int[users + 1];
        var items = new int[trainEnd.Select((end, u) => end - userStart[u]).Sum()];
        int at = 0;
        for (int u = 0; u < users; u++)
        {
            var span = items.AsSpan(at, trainEnd[u] - userStart[u]);
            eventItem.AsSpan(userStart[u], span.Length).CopyTo(span);
            span.Sort();
            int distinct = 0;
            for (int k = 0; k < span.Length; k++)
                if (k == 0 || span[k] != span[k - 1]) span[distinct++] = span[k];
            at += distinct;
            start[u + 1] = at;
        }
        return (start, items[..at]);
    }

    /// <summary>
    /// Fills the mask of a batch (row r at <c>r × stride</c>, its first size cells used; true = masked): cell (r, c) is true when column c's target item
    /// is one that row r's user has among their training events (<see cref="SeenItems"/>) and is not row r's own
    /// target. <paramref name="firstColumn"/> (one per item, all −1 on entry and on return) and
    /// <paramref name="nextColumn"/> (one per column) are scratch space: the batch's columns listed by item.
    /// </summary>
    public void FillSeenMask(ReadOnlySpan<int> examples, Span<bool> mask, int stride, int[] firstColumn, int[] nextColumn)
    {
        int size = examples.Length;
        var seenStart = SeenStart!;
        var seenItems = SeenItems!;
        mask[..(size * stride)].Clear();
        for (int c = size - 1; c >= 0; c--)
        {
            int item = EventItem[examples[c]];
            nextColumn[c] = firstColumn[item];
            firstColumn[item] = c;
        }
        for (int r = 0; r < size; r++)
        {
            int u = EventUser[examples[r]];
            int own = EventItem[examples[r]];
            var seen = seenItems.AsSpan(seenStart[u], seenStart[u + 1] - seenStart[u]);
            var row = mask.Slice(r * stride, size);
            if (seen.Length <= size)
            {
                // Short history: walk it and mark the columns of each of its items that is in the batch.
                foreach (int item in seen)
                    if (item != own)
                        for (int c = firstColumn[item]; c >= 0; c = nextColumn[c]) row[c] = true;
            }
            else
            {
                // Long history: look each column's item up in it.
                for (int c = 0; c < size; c++)
                {
                    int item = EventItem[examples[c]];
                    if (item != own && seen.BinarySearch(item) >= 0) row[c] = true;
                }
            }
        }
        for (int c = 0; c < size; c++) firstColumn[EventItem[examples[c]]] = -1;
    }

    /// <summary>
    /// Fills a batch for examples <paramref name="examples"/>: target item rows and buckets, user profile rows,
    /// and the padded [batch, N] history buckets (each example's window as the class summary says) with their normalised weights (zero beyond each history). For the
    /// attention encoder (<see cref="EventToken"/> set) the window's events of positive weight are right-aligned
    /// instead, with weight 1 and their event-type tokens in <paramref name="historyTypes"/>. With a short-term mean
    /// (<see cref="EventLogType"/> set), <paramref name="recentWeights"/> gets its normalised weights over the same columns.
    /// </summary>
    public void FillBatch(ReadOnlySpan<int> examples, Span<long> itemRows, Span<long> buckets,
        Span<long> userRows, Span<long> historyBuckets, Span<float> historyWeights, Span<long> historyTypes, Span<float> recentWeights)
    {
        int length = HistoryLength;
        historyBuckets[..(examples.Length * length)].Clear();
        historyWeights[..(examples.Length * length)].Clear();
        if (EventLogType is not null) recentWeights[..(examples.Length * length)].Clear();
        if (EventToken is not null) historyTypes[..(examples.Length * length)].Clear();
        var picked = new int[length];
        for (int b = 0; b < examples.Length; b++)
        {
            int j = examples[b];
            int u = EventUser[j];
            int target = EventItem[j];
            // The window: the newest N events of [the user's first, HistoryEnd[j]) other than j and later events of
            // j's item, newest first.
            int count = 0;
            for (int e = HistoryEnd[j] - 1; e >= UserStart[u] && count < length; e--)
                if (e != j && !(e > j && EventItem[e] == target)) picked[count++] = e;
            itemRows[b] = target;
            buckets[b] = EventBucket[j];
            userRows[b] = u;
            if (EventToken is not null)
            {
                // Newest in the last column, as UserAttention.Window picks them: weight-0 events are left out.
                int column = (b + 1) * length;
                for (int k = 0; k < count; k++)
                {
                    int e = picked[k];
                    if (float.IsNegativeInfinity(EventLogWeight[e])) continue;
                    column--;
                    historyBuckets[column] = EventBucket[e];
                    historyTypes[column] = EventToken[e];
                    historyWeights[column] = 1f;
                }
                continue;
            }
            if (count == 0) continue;
            // Oldest first in the row's first columns, the log weights staged in the weights' place.
            var weights = historyWeights.Slice(b * length, count);
            for (int k = 0; k < count; k++)
            {
                int e = picked[count - 1 - k];
                historyBuckets[b * length + k] = EventBucket[e];
                weights[k] = EventLogWeight[e];
            }
            float max = TensorPrimitives.Max(weights);
            if (float.IsNegativeInfinity(max))
            {
                weights.Clear(); // every event in the window has weight 0
                continue;
            }
            TensorPrimitives.Subtract(weights, max, weights);
            TensorPrimitives.Exp(weights, weights);
            TensorPrimitives.Divide(weights, TensorPrimitives.Sum(weights), weights);
            if (EventLogType is null) continue;
            // Short-term mean: log type weight − decay · (events after it in the window), as HistoryWeighting.RecentNormalised.
            var recent = recentWeights.Slice(b * length, count);
            for (int k = 0; k < count; k++) recent[k] = EventLogType[picked[count - 1 - k]] - RecentDecay * (count - 1 - k);
            float top = TensorPrimitives.Max(recent);
            TensorPrimitives.Subtract(recent, top, recent);
            TensorPrimitives.Exp(recent, recent);
            TensorPrimitives.Divide(recent, TensorPrimitives.Sum(recent), recent);
        }
    }
}
