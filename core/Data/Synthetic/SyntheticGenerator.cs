using System.Diagnostics;
using System.Globalization;

namespace OrleansReco.Core.Data.Synthetic;

/// <summary>
/// Generates a wealth-management dataset with planted tastes: a user table (age group, segment, income, assets
/// under management, country), an item table (product type, category, brand, market, price, performance score,
/// tags, title, description) and view → add_to_cart → purchase events sorted by timestamp. Users' choices follow
/// latent taste vectors tied to their profile, and items' vectors are tied to their features, so a model can
/// measurably recover both (see <see cref="SyntheticCatalog"/>, <see cref="SyntheticPopulation"/> and
/// <see cref="SyntheticSessions"/> for the generative story). Deterministic for given options, whatever the
/// number of cores. <see cref="SyntheticCatalogKind.Movies"/> makes films and half-star ratings instead, with
/// no user table (see <see cref="SyntheticMovies"/>).
/// </summary>
public static class SyntheticGenerator
{
    /// <summary>Generates the dataset; progress lines go to <paramref name="log"/>.</summary>
    /// <exception cref="ArgumentException">An option is out of range (the message names it).</exception>
    public static InteractionDataset Generate(SyntheticOptions options, Action<string>? log = null) =>
        GenerateWithTruth(options, log).Data;

    /// <summary>Generates the dataset and returns the planted structure behind it too.</summary>
    /// <exception cref="ArgumentException">An option is out of range (the message names it).</exception>
    public static (InteractionDataset Data, SyntheticTruth Truth) GenerateWithTruth(SyntheticOptions options, Action<string>? log = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var clock = Stopwatch.StartNew();
        var items = SyntheticCatalog.Create(options);
        log?.Invoke(items.Release is null
            ? $"items: {items.Count:N0} in {SyntheticVocabulary.Categories.Length} categories, {options.Brands} brands ({clock.Elapsed.TotalSeconds:F2} s)"
            : $"items: {items.Count:N0} films with genres and release years ({clock.Elapsed.TotalSeconds:F2} s)");
        var users = SyntheticPopulation.Create(options, items);
        log?.Invoke($"users: {users.Count:N0} in {options.TasteClusters} taste clusters ({clock.Elapsed.TotalSeconds:F2} s)");
        var sessions = SyntheticSessions.Generate(options, items, users, log);
        var interactions = ToInteractions(sessions, users.Ids, items.Ids, options.Start.ToUnixTimeSeconds(), (long)options.TimestampResolution.TotalSeconds);
        log?.Invoke($"events: {interactions.Length:N0} sorted by time ({clock.Elapsed.TotalSeconds:F2} s)");

        var perUser = new int[users.Count];
        for (int u = 0; u < perUser.Length; u++) perUser[u] = (int)(sessions.Offsets[u + 1] - sessions.Offsets[u]);
        var truth = new SyntheticTruth(options.LatentDimension, users.Cluster, users.SecondCluster, users.Taste, items.Vectors, items.Popularity, perUser);
        // Films come without user features: the users' profiles only steer their hidden tastes.
        var userTable = options.Catalog == SyntheticCatalogKind.Movies ? null : users.Table;
        return (new InteractionDataset(interactions, userTable, items.Table), truth);
    }

    /// <summary>
    /// Sorts all events by (timestamp, user, order within the user) and builds the records, each timestamp rounded down
    /// to a multiple of <paramref name="resolution"/> seconds after sorting (so the order stays the time order). Event
    /// ids are <c>&lt;user&gt;-&lt;session&gt;-&lt;position&gt;</c> (1-based), unique and readable.
    /// </summary>
    private static Interaction[] ToInteractions(SyntheticSessions sessions, string[] userIds, string[] itemIds, long origin, long resolution)
    {
        long count = sessions.Offsets[^1];
        var keys = new ulong[count];
        var userOf = new int[count];
        for (int u = 0; u < userIds.Length; u++)
            for (long e = sessions.Offsets[u]; e < sessions.Offsets[u + 1]; e++)
            {
                userOf[e] = u;
                // Time since the start fits 32 bits (span ≤ 100 years) and the index fits 32 bits (events ≤ 100M);
                // the index orders equal times by user, then by order within the user.
                keys[e] = (ulong)(sessions.Time[e] - origin) << 32 | (ulong)e;
            }
        Array.Sort(keys);
        var interactions = new Interaction[count];
        string[] types = [EventTypes.View, EventTypes.AddToCart, EventTypes.Purchase, EventTypes.Rating];
        var values = sessions.Value;
        Parallel.For(0, (int)((count + 65_535) / 65_536), block =>
        {
            long from = block * 65_536L, to = Math.Min(count, from + 65_536);
            for (long r = from; r < to; r++)
            {
                long e = (long)(keys[r] & 0xFFFF_FFFF);
                string user = userIds[userOf[e]];
                string id = string.Concat(user, "-",
                    (sessions.Session[e] + 1).ToString(CultureInfo.InvariantCulture), "-",
                    (sessions.Position[e] + 1).ToString(CultureInfo.InvariantCulture));
                interactions[r] = new Interaction(user, itemIds[sessions.Item[e]], types[sessions.Type[e]], values?[e] ?? 1f, sessions.Time[e] - sessions.Time[e] % resolution, id);
            }
        });
        return interactions;
    }
}
