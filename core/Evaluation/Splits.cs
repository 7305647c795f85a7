using System.Runtime.InteropServices;
using OrleansReco.Core.Data;

namespace OrleansReco.Core.Evaluation;

/// <summary>
/// One user to rank for: what the model may see (<see cref="History"/>, oldest first), the items to find
/// (<see cref="Targets"/>) and the items not to rank (<see cref="Seen"/>). Items are catalog indices;
/// <see cref="Seen"/> is ascending and distinct and never contains a target.
/// </summary>
public sealed record EvaluationCase(string UserId, IReadOnlyList<Interaction> History, int[] Targets, int[] Seen);

/// <summary>Event and user counts of a split, for the report.</summary>
/// <param name="TiesByArrival">
/// A temporal cut fell inside a run of equal timestamps so long that the earlier part would have kept less than half
/// its share, and equal timestamps were ordered by arrival instead (see <see cref="Splits.GlobalTemporal"/>).
/// </param>
public sealed record SplitStats(int TrainEvents, int ValidationUsers, int ValidationTargets, int TestUsers, int TestTargets, int DroppedEvents, int TrainOnlyUsers,
    bool TiesByArrival = false);

/// <summary>
/// A train/validation/test split ready for full-catalog ranking. <see cref="Catalog"/> is every item in the
/// data (and in the item table, when given) in a fixed order; models score all of it.
/// </summary>
public sealed record EvaluationSplit(
    string Name,
    InteractionDataset Train,
    IReadOnlyList<string> Catalog,
    IReadOnlyList<EvaluationCase> Validation,
    IReadOnlyList<EvaluationCase> Test,
    SplitStats Stats);

/// <summary>Temporal splits. Neither samples negatives: every model ranks the whole catalog.</summary>
public static class Splits
{
    /// <summary>
    /// Per-user temporal leave-last-out over distinct items.
    /// <list type="bullet">
    /// <item>Each user's events are ordered by timestamp; equal timestamps keep their input order (the later line
    /// counts as later), so the split is deterministic.</item>
    /// <item>Only the first event on each (user, item) pair can be a target: a repeat of an item already in the
    /// history is not a new recommendation. Test = the user's last new item, validation = the one before.</item>
    /// <item>Training keeps all of the user's events before the validation event, repeats included. Events after
    /// the validation event other than the two targets (repeats) are dropped, so nothing later leaks into training.</item>
    /// <item>Users with fewer than 3 distinct items keep all their events in training and are not evaluated.</item>
    /// <item>Validation sees the training history; test sees it plus the validation event. Seen = the items in that
    /// history, excluded from ranking.</item>
    /// </list>
    /// </summary>
    public static EvaluationSplit LeaveLastOut(InteractionDataset data)
    {
        ArgumentNullException.ThrowIfNull(data);
        var (catalog, indexOf) = BuildCatalog(data);
        var train = new List<Interaction>(data.Interactions.Count);
        var validation = new List<EvaluationCase>();
        var test = new List<EvaluationCase>();
        int dropped = 0, trainOnly = 0;
        foreach (var events in ByUserInTimeOrder(data.Interactions))
        {
            // Positions (in time order) of the first event on each distinct item.
            var firstSeen = new HashSet<string>(StringComparer.Ordinal);
            var firsts = new List<int>();
            for (int i = 0; i < events.Count; i++)
                if (firstSeen.Add(events[i].ItemId)) firsts.Add(i);
            if (firsts.Count < 3)
            {
                train.AddRange(events);
                trainOnly++;
                continue;
            }
            int validationAt = firsts[^2], testAt = firsts[^1];
            var history = events.GetRange(0, validationAt);
            train.AddRange(history);
            dropped += events.Count - validationAt - 2;
            var seen = Indices(CollectionsMarshal.AsSpan(history), indexOf);
            string user = events[0].UserId;
            int validationItem = indexOf[events[validationAt].ItemId];
            validation.Add(new EvaluationCase(user, history, [validationItem], seen));
            var testHistory = new List<Interaction>(history) { events[validationAt] };
            test.Add(new EvaluationCase(user, testHistory, [indexOf[events[testAt].ItemId]], Indices(CollectionsMarshal.AsSpan(testHistory), indexOf)));
        }
        var stats = new SplitStats(train.Count, validation.Count, validation.Count, test.Count, test.Count, dropped, trainOnly);
        return new EvaluationSplit("leave-last-out", data with { Interactions = train }, catalog, validation, test, stats);
    }

    /// <summary>
    /// Global temporal cut: events before the <c>1 - validationFraction - testFraction</c> quantile of time are
    /// training, the next <paramref name="validationFraction"/> validation, the last <paramref name="testFraction"/>
    /// test. Ties at a cut go to the later part, so every training event is strictly earlier than every held-out
    /// one, unless that would leave the earlier part with less than half its share (many events stamped with the
    /// same second, as a busy stream with second-granularity timestamps has): then equal timestamps are ordered by
    /// their position in <paramref name="data"/> (arrival order), the parts get their exact shares, and
    /// <see cref="SplitStats.TiesByArrival"/> says so. A user's targets are the distinct items of their held-out events that are not in their
    /// history; the history of test cases is training plus validation events. Users new in a held-out period are
    /// evaluated with an empty history (cold start).
    /// </summary>
    public static EvaluationSplit GlobalTemporal(InteractionDataset data, double validationFraction = 0.1, double testFraction = 0.1)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (!(validationFraction >= 0) || !(testFraction > 0) || validationFraction + testFraction >= 1)
            throw new ArgumentOutOfRangeException(nameof(testFraction), $"Fractions must satisfy 0 <= validation, 0 < test, validation + test < 1 (got {validationFraction}, {testFraction}).");
        var (catalog, indexOf) = BuildCatalog(data);
        var events = data.Interactions;
        var times = new long[events.Count];
        for (int i = 0; i < times.Length; i++) times[i] = events[i].Timestamp;
        Array.Sort(times);
        if (times.Length == 0) throw new ArgumentException("No interactions to split.", nameof(data));
        int trainShare = Math.Min(times.Length - 1, (int)(times.Length * (1 - validationFraction - testFraction)));
        int heldShare = Math.Min(times.Length - 1, (int)(times.Length * (1 - testFraction)));
        long validationCut = times[trainShare], testCut = times[heldShare];
        // Each event's part: 0 training, 1 validation, 2 test.
        var part = new byte[events.Count];
        bool byArrival = EarlierThan(times, validationCut) < trainShare / 2;
        if (byArrival)
        {
            int rank = 0;
            // OrderBy is stable: equal timestamps keep their order in the data.
            foreach (int i in Enumerable.Range(0, events.Count).OrderBy(i => events[i].Timestamp))
            {
                int r = rank++;
                part[i] = (byte)(r < trainShare ? 0 : r < heldShare ? 1 : 2);
            }
        }
        else
        {
            for (int i = 0; i < events.Count; i++)
                part[i] = (byte)(events[i].Timestamp < validationCut ? 0 : events[i].Timestamp < testCut ? 1 : 2);
        }
        var train = new List<Interaction>(events.Count);
        // The cases' histories are ranges of one shared array, not a list per case: a split of
        // many users is then a few large arrays and small cases, cheap for the collector of a silo that trains.
        var users = UserEventsInTimeOrder(events).ToList();
        // Room for the histories of every user with a held-out event (an upper bound: users without a target give theirs back).
        long room = 0;
        foreach (var user in users)
        {
            int early = 0;
            bool later = false;
            foreach (int i in user)
            {
                if (part[i] < 2) early++;
                if (part[i] > 0) later = true;
            }
            if (later) room += early;
        }
        var pool = new Interaction[room];
        int filled = 0;
        var validationCases = new List<(string User, int Start, int Count, int[] Targets, int[] Seen)>();
        var testCases = new List<(string User, int Start, int Count, int[] Targets, int[] Seen)>();
        int validationTargets = 0, testTargets = 0, trainOnly = 0;
        var parts = new int[3];
        foreach (var user in users)
        {
            parts.AsSpan().Clear();
            foreach (int i in user) parts[part[i]]++;
            if (parts[1] == 0 && parts[2] == 0)
            {
                trainOnly++;
                foreach (int i in user) train.Add(events[i].FieldByField());
                continue;
            }
            // The training events, then the validation events, each in time order: the history of a test case.
            int start = filled;
            // Field by field, never whole-struct copies: see Interaction.FieldByField (these arrays hold every event).
            foreach (int i in user) if (part[i] == 0) pool[filled++] = events[i].FieldByField();
            foreach (int i in user) if (part[i] == 1) pool[filled++] = events[i].FieldByField();
            var history = pool.AsSpan(start, parts[0]);
            var both = pool.AsSpan(start, parts[0] + parts[1]);
            foreach (ref readonly var e in history) train.Add(e.FieldByField());
            string userId = events[user[0]].UserId;
            var seen = Indices(history, indexOf);
            bool used = false;
            if (parts[1] > 0)
            {
                var validationItems = NewItems(user, part, 1, events, seen, indexOf);
                if (validationItems.Length > 0)
                {
                    validationCases.Add((userId, start, parts[0], validationItems, seen));
                    validationTargets += validationItems.Length;
                    used = true;
                }
            }
            if (parts[2] > 0)
            {
                var testSeen = parts[1] == 0 ? seen : Indices(both, indexOf);
                var testItems = NewItems(user, part, 2, events, testSeen, indexOf);
                if (testItems.Length > 0)
                {
                    testCases.Add((userId, start, both.Length, testItems, testSeen));
                    testTargets += testItems.Length;
                    used = true;
                }
            }
            if (!used) filled = start;
        }
        var validation = validationCases.ConvertAll(c => new EvaluationCase(c.User, new ArraySegment<Interaction>(pool, c.Start, c.Count), c.Targets, c.Seen));
        var test = testCases.ConvertAll(c => new EvaluationCase(c.User, new ArraySegment<Interaction>(pool, c.Start, c.Count), c.Targets, c.Seen));

        int heldOut = data.Interactions.Count - train.Count;
        int targets = validationTargets + testTargets;
        var stats = new SplitStats(train.Count, validation.Count, validationTargets, test.Count, testTargets, Math.Max(0, heldOut - targets), trainOnly, byArrival);
        return new EvaluationSplit("global-temporal", data with { Interactions = train }, catalog, validation, test, stats);
    }

    /// <summary>Every item in the events, then any extra ids of the item table, in first-appearance order.</summary>
    internal static (string[] Catalog, Dictionary<string, int> IndexOf) BuildCatalog(InteractionDataset data)
    {
        var indexOf = new Dictionary<string, int>(StringComparer.Ordinal);
        var catalog = new List<string>();
        foreach (var e in data.Interactions)
            if (indexOf.TryAdd(e.ItemId, catalog.Count)) catalog.Add(e.ItemId);
        if (data.Items is { } items)
            foreach (var id in items.Keys)
                if (indexOf.TryAdd(id, catalog.Count)) catalog.Add(id);
        return ([.. catalog], indexOf);
    }

    /// <summary>Events grouped by user (users in first-appearance order), each group stably sorted by timestamp.</summary>
    private static IEnumerable<List<Interaction>> ByUserInTimeOrder(IReadOnlyList<Interaction> interactions)
    {
        foreach (var user in UserEventsInTimeOrder(interactions))
        {
            var list = new List<Interaction>(user.Count);
            foreach (int i in user) list.Add(interactions[i]);
            yield return list;
        }
    }

    /// <summary>
    /// Each user's events (positions in <paramref name="interactions"/>) in time order, equal timestamps in input order;
    /// users in first-appearance order. The groups are ranges of one sorted array.
    /// </summary>
    private static IEnumerable<ArraySegment<int>> UserEventsInTimeOrder(IReadOnlyList<Interaction> interactions)
    {
        var userOf = new Dictionary<string, int>(StringComparer.Ordinal);
        var keys = new (int User, long Time, int Position)[interactions.Count];
        var order = new int[interactions.Count];
        for (int i = 0; i < interactions.Count; i++)
        {
            var e = interactions[i];
            if (!userOf.TryGetValue(e.UserId, out int user)) userOf.Add(e.UserId, user = userOf.Count);
            keys[i] = (user, e.Timestamp, i);
            order[i] = i;
        }
        // The position breaks ties, which keeps input order on equal timestamps.
        Array.Sort(keys, order);
        for (int start = 0; start < order.Length;)
        {
            int end = start + 1;
            while (end < order.Length && keys[end].User == keys[start].User) end++;
            yield return new ArraySegment<int>(order, start, end - start);
            start = end;
        }
    }

    /// <summary>How many of the sorted <paramref name="times"/> are earlier than <paramref name="time"/>.</summary>
    private static int EarlierThan(long[] times, long time)
    {
        int low = 0, high = times.Length;
        while (low < high)
        {
            int middle = (low + high) >>> 1;
            if (times[middle] < time) low = middle + 1;
            else high = middle;
        }
        return low;
    }

    /// <summary>The catalog indices of the events' items, ascending and distinct.</summary>
    private static int[] Indices(ReadOnlySpan<Interaction> events, Dictionary<string, int> indexOf)
    {
        var indices = new int[events.Length];
        for (int i = 0; i < indices.Length; i++) indices[i] = indexOf[events[i].ItemId];
        return SortedDistinct(indices, indices.Length);
    }

    /// <summary>
    /// The catalog indices of the items of the user's events in part <paramref name="which"/> that are not in
    /// <paramref name="seen"/>, ascending and distinct.
    /// </summary>
    private static int[] NewItems(ArraySegment<int> user, byte[] part, byte which, IReadOnlyList<Interaction> events, int[] seen, Dictionary<string, int> indexOf)
    {
        var items = new int[user.Count];
        int count = 0;
        foreach (int e in user)
        {
            if (part[e] != which) continue;
            int i = indexOf[events[e].ItemId];
            if (Array.BinarySearch(seen, i) < 0) items[count++] = i;
        }
        return SortedDistinct(items, count);
    }

    private static int[] SortedDistinct(int[] values, int count)
    {
        if (count == 0) return [];
        Array.Sort(values, 0, count);
        int distinct = 1;
        for (int i = 1; i < count; i++)
            if (values[i] != values[distinct - 1]) values[distinct++] = values[i];
        return distinct == values.Length ? values : values[..distinct];
    }
}
