using System.Numerics.Tensors;

namespace OrleansReco.Core.Data.Synthetic;

/// <summary>
/// Generates every user's events, session by session, into flat arrays (a user's events are contiguous, in time
/// order). How a session goes:
/// <list type="bullet">
/// <item>The user's taste drifts between sessions (an AR(1) walk of size <see cref="SyntheticOptions.Drift"/>),
/// and each session adds its own intent; within a session the previous item also pulls the next choice. Recent
/// events therefore predict the next one better than old ones.</item>
/// <item>Each view picks an item with probability ∝ <c>exp(TasteStrength · q·item + log popularity)</c>, where q
/// is the current taste (items already seen by the user weigh a fifth). Instead of a softmax over the whole
/// catalog per view, <see cref="SyntheticOptions.Candidates"/> candidates are drawn from a proposal (the softmaxes
/// of the user's two cluster centres, precomputed as alias tables, mixed with popularity) and one is resampled by
/// importance weight target / proposal (sampling–importance–resampling). A share
/// <see cref="SyntheticOptions.NoiseShare"/> of views follow popularity alone.</item>
/// <item>After a view the item is added to the cart with probability ∝ <see cref="SyntheticOptions.CartRate"/>,
/// higher for better-matching and better-performing items; at the end of the session each carted item is bought
/// with probability ∝ <see cref="SyntheticOptions.PurchaseRate"/>, higher for better performance and for prices
/// small relative to the user's assets.</item>
/// <item>Sessions are laid out without overlap between the user's joining time (spread over the first 80% of the
/// span, more of them early) and the end of the span, separated by random gaps; within a session timestamps
/// increase by seconds to minutes.</item>
/// </list>
/// With <see cref="SyntheticCatalogKind.Movies"/> every choice is a rating instead (half stars, higher for
/// better-matching films, shifted by a per-user bias), a user never rates a film twice, a film cannot be chosen
/// before its release and draws extra attention for about a year and a half after it, and each user is active
/// from a joining time for a log-normal share of the rest of the span (median a tenth), so histories span from
/// days to the whole 20 years.
/// Each user has its own random stream, so the result does not depend on how users are spread over threads.
/// </summary>
internal sealed class SyntheticSessions
{
    public const byte View = 0, Cart = 1, Purchase = 2, Rating = 3;

    /// <summary>Films: extra log-weight of a film just released, and its decay time in years.</summary>
    private const double NewReleaseBoost = 2.0, NewReleaseYears = 1.5;

    private const double SessionPersistence = 0.75;  // AR(1) coefficient of the drift from one session to the next
    private const double SessionIntent = 0.5;        // length of the per-session offset of taste
    private const float PreviousItemPull = 0.5f;     // weight of the previous item's vector in the next choice
    private static readonly double RepeatLogWeight = Math.Log(0.2);
    private const double FirstClusterShare = 0.55, SecondClusterShare = 0.25; // of the proposal; the rest is popularity
    private const int MinSessionGapSeconds = 60;

    private readonly SyntheticOptions _options;
    private readonly SyntheticCatalog _items;
    private readonly SyntheticPopulation _users;
    private readonly AliasTable _popular;
    private readonly AliasTable[] _clusters;
    private readonly bool _movies;
    private readonly double _spanYears;

    private SyntheticSessions(SyntheticOptions options, SyntheticCatalog items, SyntheticPopulation users, long[] offsets)
    {
        _options = options;
        _items = items;
        _users = users;
        Offsets = offsets;
        long total = offsets[^1];
        Time = new long[total];
        Item = new int[total];
        Type = new byte[total];
        Session = new int[total];
        Position = new int[total];
        _movies = items.Release is not null;
        if (_movies) Value = new float[total];
        _spanYears = options.Span.TotalDays / 365.25;
        _popular = new AliasTable(items.Popularity);
        _clusters = new AliasTable[options.TasteClusters];
        Parallel.For(0, _clusters.Length, k => _clusters[k] = ClusterTable(k));
    }

    /// <summary>User u's events are at [Offsets[u], Offsets[u + 1]).</summary>
    public long[] Offsets { get; }
    /// <summary>Unix seconds.</summary>
    public long[] Time { get; }
    public int[] Item { get; }
    public byte[] Type { get; }
    /// <summary>The user's session number (0-based) of each event.</summary>
    public int[] Session { get; }
    /// <summary>Position of each event within its session (0-based).</summary>
    public int[] Position { get; }
    /// <summary>Films: the rating of each event (0.5 to 5 in half stars); null for the wealth catalogue.</summary>
    public float[]? Value { get; }

    public static SyntheticSessions Generate(SyntheticOptions options, SyntheticCatalog items, SyntheticPopulation users, Action<string>? log)
    {
        var budgets = Budgets(options);
        var offsets = new long[budgets.Length + 1];
        for (int u = 0; u < budgets.Length; u++) offsets[u + 1] = offsets[u] + budgets[u];
        var sessions = new SyntheticSessions(options, items, users, offsets);
        long done = 0;
        int reported = 0;
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = options.Threads ?? Environment.ProcessorCount };
        Parallel.For(0, options.Users, parallel, () => new Worker(options, items.Count), (u, _, worker) =>
        {
            sessions.GenerateUser(u, worker);
            long now = Interlocked.Add(ref done, budgets[u]);
            int decile = (int)(now * 10 / options.Events);
            int last = Volatile.Read(ref reported);
            if (log is not null && decile > last && Interlocked.CompareExchange(ref reported, decile, last) == last)
                log($"events {decile * 10,3}%  ({now:N0} of {options.Events:N0})");
            return worker;
        }, _ => { });
        return sessions;
    }

    /// <summary>
    /// Events per user: <see cref="SyntheticOptions.MinEventsPerUser"/> each, the rest shared in proportion to
    /// log-normal activity weights (σ = <see cref="SyntheticOptions.ActivitySkew"/>), rounded by largest remainder
    /// so the total is exactly <see cref="SyntheticOptions.Events"/>.
    /// </summary>
    internal static int[] Budgets(SyntheticOptions options)
    {
        int n = options.Users;
        var weights = new double[n];
        double total = 0;
        for (int u = 0; u < n; u++)
        {
            var random = SyntheticRandom.For(options.Seed, Streams.Activity, u);
            total += weights[u] = Math.Exp(options.ActivitySkew * random.NextGaussian());
        }
        long extra = options.Events - (long)n * options.MinEventsPerUser;
        var budgets = new int[n];
        var remainders = new double[n];
        long given = 0;
        for (int u = 0; u < n; u++)
        {
            double share = extra * weights[u] / total;
            int whole = (int)Math.Floor(share);
            budgets[u] = options.MinEventsPerUser + whole;
            remainders[u] = share - whole;
            given += whole;
        }
        var order = Enumerable.Range(0, n).ToArray();
        Array.Sort(order, (a, b) => remainders[b] != remainders[a] ? remainders[b].CompareTo(remainders[a]) : a.CompareTo(b));
        for (long i = 0; i < extra - given; i++) budgets[order[i]]++;
        return budgets;
    }

    /// <summary>Alias table of the softmax of cluster k's centre over the catalog, with popularity.</summary>
    private AliasTable ClusterTable(int k)
    {
        int n = _items.Count, dim = _items.Dimension;
        var centre = LatentVectors.Row(_users.Centres, k, dim);
        var logits = new double[n];
        double max = double.NegativeInfinity;
        for (int i = 0; i < n; i++)
        {
            logits[i] = _options.TasteStrength * TensorPrimitives.Dot(centre, _items.Vectors.AsSpan(i * dim, dim)) + _items.LogPopularity[i];
            max = Math.Max(max, logits[i]);
        }
        for (int i = 0; i < n; i++) logits[i] = Math.Exp(logits[i] - max);
        return new AliasTable(logits);
    }

    private sealed class Worker(SyntheticOptions options, int items)
    {
        public readonly float[] Drift = new float[options.LatentDimension];
        public readonly float[] Intent = new float[options.LatentDimension];
        public readonly float[] Query = new float[options.LatentDimension];
        public readonly int[] SeenStamp = new int[items];
        public readonly int[] Candidates = new int[options.Candidates];
        public readonly double[] Logits = new double[options.Candidates];
        public readonly double[] Proposals = new double[options.Candidates];
        public readonly double[] Weights = new double[options.Candidates];
        public readonly float[] Affinities = new float[options.Candidates];
        public readonly List<int> Cart = [];
        public readonly List<long> Durations = [];
    }

    private void GenerateUser(int u, Worker w)
    {
        var random = SyntheticRandom.For(_options.Seed, Streams.Events, u);
        int dim = _items.Dimension;
        long start = Offsets[u], end = Offsets[u + 1];
        double join = Math.Pow(random.NextDouble(), 2) * 0.8, leave = 1;
        double bias = 0;
        if (_movies)
        {
            join = random.NextDouble() * 0.97;
            double active = Math.Min(1, Math.Exp(Math.Log(0.1) + 1.5 * random.NextGaussian()));
            leave = Math.Min(1, join + Math.Max((1 - join) * active, 2 * 86_400 / _options.Span.TotalSeconds));
            bias = 0.4 * random.NextGaussian();
        }
        var taste = LatentVectors.Row(_users.Taste, u, dim);
        int k1 = _users.Cluster[u], k2 = _users.SecondCluster[u];
        int stamp = u + 1;
        double assets = _users.Assets[u];
        double stayFactor = Math.Sqrt(1 - SessionPersistence * SessionPersistence);
        double extraViewsContinue = 1 - 1 / _options.ViewsPerSession; // geometric: P(another view)

        Array.Clear(w.Drift);
        LatentVectors.AddGaussian(ref random, w.Drift, _options.Drift);
        w.Durations.Clear();
        long at = start;
        int session = 0;
        while (at < end)
        {
            if (session > 0)
            {
                TensorPrimitives.Multiply(w.Drift, (float)SessionPersistence, w.Drift);
                LatentVectors.AddGaussian(ref random, w.Drift, _options.Drift * stayFactor);
            }
            Array.Clear(w.Intent);
            LatentVectors.AddGaussian(ref random, w.Intent, SessionIntent);
            w.Cart.Clear();
            long t = 0;
            int position = 0, previous = -1;
            bool more = true;
            // Views go on while the budget has room for them and for buying everything in the cart, so the last
            // session's checkout is never cut short (which would bias the funnel of light users).
            while (more && end - at > w.Cart.Count)
            {
                // Gap between views: log-normal, median about 40 s, capped at half an hour.
                if (position > 0) t += 2 + (long)Math.Min(1_800, Math.Round(Math.Exp(Math.Log(40) + 0.8 * random.NextGaussian())));
                // Current taste: base + drift + session intent + a pull towards the previous item.
                var q = w.Query.AsSpan();
                TensorPrimitives.Add(taste, w.Drift, q);
                TensorPrimitives.Add(q, w.Intent, q);
                if (previous >= 0) LatentVectors.AddScaled(q, _items.Vectors.AsSpan(previous * dim, dim), PreviousItemPull);
                // Films: roughly when this choice happens, as a share of the span (sessions are placed evenly later).
                double now = join + (leave - join) * (at - start) / (end - start);
                int item = Choose(ref random, w, k1, k2, stamp, now, out float affinity);
                float match = affinity / Math.Max(1e-6f, TensorPrimitives.Norm(q));
                w.SeenStamp[item] = stamp;
                if (_movies)
                {
                    Value![at] = RatingFor(ref random, match, bias);
                    Emit(at++, t, item, Rating, session, position++);
                    previous = item;
                    more = random.Chance(extraViewsContinue);
                    continue;
                }
                Emit(at++, t, item, View, session, position++);
                previous = item;
                if (end - at >= w.Cart.Count + 2 && !w.Cart.Contains(item) && random.Chance(CartProbability(item, match)))
                {
                    t += 2 + random.NextInt(40);
                    Emit(at++, t, item, Cart, session, position++);
                    w.Cart.Add(item);
                }
                more = random.Chance(extraViewsContinue);
            }
            if (w.Cart.Count > 0)
            {
                t += 30 + random.NextInt(240);
                foreach (int item in w.Cart)
                {
                    if (!random.Chance(PurchaseProbability(item, assets))) continue;
                    Emit(at++, t, item, Purchase, session, position++);
                    t += 2 + random.NextInt(15);
                }
            }
            // Duration = time of the session's last event.
            w.Durations.Add(Time[at - 1]);
            session++;
        }
        PlaceSessions(ref random, start, end, join, leave, w.Durations);
    }

    private void Emit(long at, long time, int item, byte type, int session, int position)
    {
        Time[at] = time;
        Item[at] = item;
        Type[at] = type;
        Session[at] = session;
        Position[at] = position;
    }

    /// <summary>
    /// Draws one view: popularity noise, or sampling–importance–resampling towards the current taste. Films
    /// (<paramref name="now"/>: the share of the span) leave out those seen or not yet released.
    /// </summary>
    private int Choose(ref SyntheticRandom random, Worker w, int k1, int k2, int stamp, double now, out float affinity)
    {
        int dim = _items.Dimension;
        ReadOnlySpan<float> q = w.Query;
        if (random.Chance(_options.NoiseShare))
        {
            int noise = _popular.Sample(ref random);
            if (!_movies || Available(noise, w, stamp, now))
            {
                affinity = TensorPrimitives.Dot(q, _items.Vectors.AsSpan(noise * dim, dim));
                return noise;
            }
        }
        var p1 = _clusters[k1].Probabilities;
        var p2 = _clusters[k2].Probabilities;
        var pop = _items.Popularity;
        double tau = _options.TasteStrength, best = double.NegativeInfinity;
        int m = w.Candidates.Length;
        for (int j = 0; j < m; j++)
        {
            double r = random.NextDouble();
            int i = r < FirstClusterShare ? _clusters[k1].Sample(ref random)
                : r < FirstClusterShare + SecondClusterShare ? _clusters[k2].Sample(ref random)
                : _popular.Sample(ref random);
            float a = TensorPrimitives.Dot(q, _items.Vectors.AsSpan(i * dim, dim));
            double logit = tau * a + _items.LogPopularity[i];
            if (_movies) logit += ReleaseLogWeight(i, w, stamp, now);
            else if (w.SeenStamp[i] == stamp) logit += RepeatLogWeight;
            w.Candidates[j] = i;
            w.Affinities[j] = a;
            w.Logits[j] = logit;
            w.Proposals[j] = FirstClusterShare * p1[i] + SecondClusterShare * p2[i] + (1 - FirstClusterShare - SecondClusterShare) * pop[i];
            best = Math.Max(best, logit);
        }
        if (double.IsNegativeInfinity(best)) return Fallback(ref random, w, stamp, now, out affinity);
        // Importance weight = target / proposal, with the target scaled by exp(−best) to stay in range; the proposal
        // is at least a fifth of the item's popularity, so the quotient cannot overflow.
        double total = 0;
        for (int j = 0; j < m; j++) total += w.Weights[j] = Math.Exp(w.Logits[j] - best) / w.Proposals[j];
        double pick = random.NextDouble() * total;
        int chosen = m - 1;
        for (int j = 0; j < m; j++)
        {
            pick -= w.Weights[j];
            if (pick < 0) { chosen = j; break; }
        }
        affinity = w.Affinities[chosen];
        return w.Candidates[chosen];
    }

    /// <summary>Films: whether item i is released by <paramref name="now"/> and not yet rated by the user.</summary>
    private bool Available(int i, Worker w, int stamp, double now) => w.SeenStamp[i] != stamp && _items.Release![i] <= now;

    /// <summary>Films: −∞ for a film already rated or not yet released, else the new-release boost (fading in years).</summary>
    private double ReleaseLogWeight(int i, Worker w, int stamp, double now)
    {
        if (!Available(i, w, stamp, now)) return double.NegativeInfinity;
        double years = (now - _items.Release![i]) * _spanYears;
        return NewReleaseBoost * Math.Exp(-years / NewReleaseYears);
    }

    /// <summary>Films, when every candidate was rated or unreleased: the first available film from a random place
    /// (any unrated one if none is released yet, any at all if the user has rated everything).</summary>
    private int Fallback(ref SyntheticRandom random, Worker w, int stamp, double now, out float affinity)
    {
        int n = _items.Count, from = random.NextInt(n), chosen = from;
        for (int pass = 0; pass < 3; pass++)
        {
            bool found = false;
            for (int k = 0; k < n && !found; k++)
            {
                int i = (from + k) % n;
                found = pass switch { 0 => Available(i, w, stamp, now), 1 => w.SeenStamp[i] != stamp, _ => true };
                if (found) chosen = i;
            }
            if (found) break;
        }
        int dim = _items.Dimension;
        affinity = TensorPrimitives.Dot(w.Query, _items.Vectors.AsSpan(chosen * dim, dim));
        return chosen;
    }

    /// <summary>Films: 3.5 + user bias + 2.5 · (cosine − 0.5) + noise, clamped to [0.5, 5] and rounded to half stars.</summary>
    private static float RatingFor(ref SyntheticRandom random, float cosine, double bias)
    {
        double rating = 3.5 + bias + 2.5 * (cosine - 0.5) + 0.7 * random.NextGaussian();
        return (float)(Math.Round(Math.Clamp(rating, 0.5, 5) * 2) / 2);
    }

    /// <summary>Cart rate × (0.5 + performance) × a factor in (0, 2) rising with the cosine of current taste and item.</summary>
    private double CartProbability(int item, float cosine)
    {
        double match = 2 / (1 + Math.Exp(-4 * (cosine - 0.5)));
        return Math.Min(0.95, _options.CartRate * (0.5 + _items.Performance[item]) * match);
    }

    /// <summary>Purchase rate × (0.6 + 0.8 · performance) × an affordability factor falling as price nears the user's assets.</summary>
    private double PurchaseProbability(int item, double assets)
    {
        double affordable = 0.95 / (1 + _items.Price[item] / assets);
        return Math.Min(0.98, _options.PurchaseRate * (0.6 + 0.8 * _items.Performance[item]) * affordable);
    }

    /// <summary>
    /// Turns session-relative times into unix seconds: sessions in order, without overlap, at least a minute
    /// apart, between the user's joining and leaving times (shares of the span), with exponential random gaps. Should the
    /// sessions not fit (a tiny span), they are compressed, and timestamps then only never decrease.
    /// </summary>
    private void PlaceSessions(ref SyntheticRandom random, long start, long end, double join, double leave, List<long> durations)
    {
        long span = (long)_options.Span.TotalSeconds;
        long origin = _options.Start.ToUnixTimeSeconds();
        int sessions = durations.Count;
        double need = sessions * (double)MinSessionGapSeconds;
        foreach (long d in durations) need += d;
        double joinAt = join * span, leaveAt = leave * span;
        if (need > leaveAt - 1 - joinAt) joinAt = 0;
        if (need > leaveAt - 1 - joinAt) leaveAt = span;
        double window = leaveAt - 1 - joinAt;
        double scale = need > window ? window / need : 1;
        double free = window - need * scale;
        Span<double> gaps = sessions <= 1024 ? stackalloc double[sessions + 1] : new double[sessions + 1];
        double gapTotal = 0;
        for (int s = 0; s <= sessions; s++) gapTotal += gaps[s] = random.NextExponential();
        Span<double> sessionStart = sessions <= 1024 ? stackalloc double[sessions] : new double[sessions];
        double cursor = joinAt;
        for (int s = 0; s < sessions; s++)
        {
            cursor += free * gaps[s] / gapTotal + MinSessionGapSeconds * scale;
            sessionStart[s] = cursor;
            cursor += durations[s] * scale;
        }
        for (long e = start; e < end; e++)
        {
            double offset = sessionStart[Session[e]] + Time[e] * scale;
            Time[e] = origin + Math.Min(span - 1, (long)Math.Floor(offset));
        }
    }
}
