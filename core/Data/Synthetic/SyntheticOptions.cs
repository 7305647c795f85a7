namespace OrleansReco.Core.Data.Synthetic;

/// <summary>What the generated catalogue and events are.</summary>
public enum SyntheticCatalogKind
{
    /// <summary>Wealth-management products, user profiles, and view → add_to_cart → purchase sessions.</summary>
    Wealth,
    /// <summary>
    /// Films (title with year, genres, release year) rated in half stars, each at most once per user; no user
    /// features; a film can only be rated once released, and new releases draw extra attention for a year or two.
    /// </summary>
    Movies,
}

/// <summary>
/// What <see cref="SyntheticGenerator"/> makes: sizes, seed, time range and the strength of the planted structure.
/// Two presets: <see cref="Default"/> (10,000 users, 2,000 items, 200,000 events) and
/// <see cref="MovieLens100KShape"/> (943 users, 1,682 items, 100,000 events, at least 20 events per user and
/// heavy-tailed counts per user and per item, like MovieLens-100K), and <see cref="WideCatalog"/> (610 users rating
/// 9,742 films 100,836 times over 20 years, like the small MovieLens "latest" set). Change a preset with <c>with { … }</c>.
/// </summary>
public sealed record SyntheticOptions
{
    /// <summary>Product types used when none are given: a wealth-management catalogue.</summary>
    public static IReadOnlyList<string> DefaultProductTypes { get; } =
        ["fund", "etf", "stock", "bond", "sukuk", "deposit", "structured_note", "insurance"];

    /// <summary>10,000 users, 2,000 items, 200,000 events over 180 days.</summary>
    public static SyntheticOptions Default { get; } = new();

    /// <summary>The shape of MovieLens-100K: 943 users, 1,682 items, 100,000 events, every user with at least 20.</summary>
    public static SyntheticOptions MovieLens100KShape { get; } = new()
    {
        Users = 943,
        Items = 1_682,
        Events = 100_000,
        MinEventsPerUser = 20,
        Brands = 30,
    };

    /// <summary>
    /// A wide catalogue with long histories, in the shape of the small MovieLens "latest" set: 610 users, 9,742 films,
    /// 100,836 half-star ratings over 20 years; every user rates at least 20 films and the most active thousands
    /// (strong activity skew); most films are rated fewer than 5 times (strong popularity skew); films have a title
    /// with the year, genres and a release year; users have no features.
    /// </summary>
    public static SyntheticOptions WideCatalog { get; } = new()
    {
        Catalog = SyntheticCatalogKind.Movies,
        Users = 610,
        Items = 9_742,
        Events = 100_836,
        MinEventsPerUser = 20,
        Start = new DateTimeOffset(1998, 1, 1, 0, 0, 0, TimeSpan.Zero),
        Span = TimeSpan.FromDays(7_305),
        PopularitySkew = 1.2,
        ActivitySkew = 1.1,
        ViewsPerSession = 12,
        NoiseShare = 0.1,
    };

    /// <summary>Names accepted by <see cref="TryGetPreset"/>.</summary>
    public static IReadOnlyList<string> PresetNames { get; } = ["default", "ml100k", "wide"];

    /// <summary>The preset called <paramref name="name"/> (<c>default</c>, <c>ml100k</c> or <c>wide</c>, any case).</summary>
    public static bool TryGetPreset(string name, out SyntheticOptions options)
    {
        switch (name.Trim().ToLowerInvariant())
        {
            case "default": options = Default; return true;
            case "ml100k" or "ml-100k" or "movielens100k": options = MovieLens100KShape; return true;
            case "wide": options = WideCatalog; return true;
            default: options = Default; return false;
        }
    }

    /// <summary>Wealth-management products and sessions (the default) or rated films (<see cref="SyntheticCatalogKind.Movies"/>).</summary>
    public SyntheticCatalogKind Catalog { get; init; } = SyntheticCatalogKind.Wealth;

    /// <summary>Number of users, each with a profile row (wealth catalogue); every user gets at least <see cref="MinEventsPerUser"/> events.</summary>
    public int Users { get; init; } = 10_000;

    /// <summary>Number of catalogue items. Items nobody picked stay in the item table (cold items).</summary>
    public int Items { get; init; } = 2_000;

    /// <summary>Exact number of events (views + add-to-carts + purchases). Generation holds about 150 bytes per event
    /// in memory (the records, their ids and the sort keys), so 1,000,000 events take about 150 MB.</summary>
    public int Events { get; init; } = 200_000;

    /// <summary>Same seed and options, same data. The catalogue depends only on the seed and the item options.</summary>
    public int Seed { get; init; } = 42;

    /// <summary>Dimension of the planted user and item taste vectors.</summary>
    public int LatentDimension { get; init; } = 16;

    /// <summary>Number of taste clusters users are drawn from; which one depends on segment, country and age.</summary>
    public int TasteClusters { get; init; } = 16;

    /// <summary>Number of brands (issuers); each specialises in a few categories and a home market.</summary>
    public int Brands { get; init; } = 40;

    /// <summary>First possible event time (UTC).</summary>
    public DateTimeOffset Start { get; init; } = new(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>Length of the period events fall in: every timestamp is in [<see cref="Start"/>, Start + Span).</summary>
    public TimeSpan Span { get; init; } = TimeSpan.FromDays(180);

    /// <summary>Zipf exponent of the items' base popularity (0 = all equal; 1 ≈ typical web catalogues).</summary>
    public double PopularitySkew { get; init; } = 0.6;

    /// <summary>Spread (log-normal σ) of activity across users: higher gives a heavier tail of very active users.</summary>
    public double ActivitySkew { get; init; } = 1.0;

    /// <summary>Share of views picked by popularity alone, ignoring taste (browsing noise).</summary>
    public double NoiseShare { get; init; } = 0.1;

    /// <summary>How sharply choices follow taste: the softmax temperature's inverse on user·item (0 = taste ignored).</summary>
    public double TasteStrength { get; init; } = 10.0;

    /// <summary>Size of the slow random walk of each user's taste from session to session (0 = no drift).</summary>
    public double Drift { get; init; } = 0.6;

    /// <summary>Average number of views in a session (at least 1).</summary>
    public double ViewsPerSession { get; init; } = 6.0;

    /// <summary>Average share of views followed by an add-to-cart (before per-item adjustments).</summary>
    public double CartRate { get; init; } = 0.15;

    /// <summary>Average share of carted items bought at the end of the session (before per-item adjustments).</summary>
    public double PurchaseRate { get; init; } = 0.4;

    /// <summary>Smallest number of events a user gets.</summary>
    public int MinEventsPerUser { get; init; } = 3;

    /// <summary>Share of items issued in Arabic-speaking markets (MENA, Saudi) whose title and description are in Arabic.</summary>
    public double ArabicShare { get; init; } = 0.5;

    /// <summary>Product types items are drawn from; categories prefer some of them.</summary>
    public IReadOnlyList<string> ProductTypes { get; init; } = DefaultProductTypes;

    /// <summary>Candidates drawn per taste-driven view before resampling to the user's current taste.</summary>
    public int Candidates { get; init; } = 64;

    /// <summary>
    /// The timestamps' granularity: each is rounded down to a multiple of it (whole seconds, 1 second to 366 days), the
    /// events keeping their order. One day makes most of a user's events share a timestamp with the one before, as in
    /// logs with dates only or ratings saved in bulk; everything else about the data is the same.
    /// </summary>
    public TimeSpan TimestampResolution { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Worker threads generating users' events; null = all cores. The data do not depend on it.</summary>
    public int? Threads { get; init; }

    /// <summary>Throws <see cref="ArgumentException"/> naming the first invalid option and the accepted range.</summary>
    public void Validate()
    {
        Require(Enum.IsDefined(Catalog), nameof(Catalog), $"must be Wealth or Movies, not {(int)Catalog}");
        Require(Users is >= 1 and <= 10_000_000, nameof(Users), $"must be in [1, 10,000,000], not {Users}");
        Require(Items is >= 2 and <= 1_000_000, nameof(Items), $"must be in [2, 1,000,000], not {Items}");
        Require(Events is >= 1 and <= 100_000_000, nameof(Events), $"must be in [1, 100,000,000], not {Events}");
        Require(MinEventsPerUser >= 1, nameof(MinEventsPerUser), $"must be at least 1, not {MinEventsPerUser}");
        Require((long)Users * MinEventsPerUser <= Events, nameof(Events),
            $"({Events:N0}) must be at least Users × MinEventsPerUser = {Users:N0} × {MinEventsPerUser} = {(long)Users * MinEventsPerUser:N0}");
        Require(LatentDimension is >= 2 and <= 256, nameof(LatentDimension), $"must be in [2, 256], not {LatentDimension}");
        Require(TasteClusters is >= 1 and <= 256, nameof(TasteClusters), $"must be in [1, 256], not {TasteClusters}");
        Require(Brands is >= 1 and <= 100_000, nameof(Brands), $"must be in [1, 100,000], not {Brands}");
        Require(Span >= TimeSpan.FromDays(1) && Span <= TimeSpan.FromDays(365 * 100), nameof(Span), $"must be between 1 day and 100 years, not {Span}");
        Require(Start.ToUnixTimeSeconds() >= 0, nameof(Start), $"must not be before 1970, not {Start:O}");
        Require(PopularitySkew is >= 0 and <= 3, nameof(PopularitySkew), $"must be in [0, 3], not {PopularitySkew}");
        Require(ActivitySkew is >= 0 and <= 3, nameof(ActivitySkew), $"must be in [0, 3], not {ActivitySkew}");
        Require(NoiseShare is >= 0 and <= 1, nameof(NoiseShare), $"must be in [0, 1], not {NoiseShare}");
        Require(TasteStrength is >= 0 and <= 50, nameof(TasteStrength), $"must be in [0, 50], not {TasteStrength}");
        Require(Drift is >= 0 and <= 5, nameof(Drift), $"must be in [0, 5], not {Drift}");
        Require(ViewsPerSession is >= 1 and <= 1_000, nameof(ViewsPerSession), $"must be in [1, 1,000], not {ViewsPerSession}");
        Require(CartRate is >= 0 and <= 1, nameof(CartRate), $"must be in [0, 1], not {CartRate}");
        Require(PurchaseRate is >= 0 and <= 1, nameof(PurchaseRate), $"must be in [0, 1], not {PurchaseRate}");
        Require(ArabicShare is >= 0 and <= 1, nameof(ArabicShare), $"must be in [0, 1], not {ArabicShare}");
        Require(Candidates is >= 1 and <= 4_096, nameof(Candidates), $"must be in [1, 4,096], not {Candidates}");
        Require(TimestampResolution >= TimeSpan.FromSeconds(1) && TimestampResolution <= TimeSpan.FromDays(366)
                && TimestampResolution.Ticks % TimeSpan.TicksPerSecond == 0, nameof(TimestampResolution),
            $"must be whole seconds from 1 second to 366 days, not {TimestampResolution}");
        Require(Threads is null or >= 1, nameof(Threads), $"must be null (all cores) or positive, not {Threads}");
        Require(ProductTypes is { Count: > 0 }, nameof(ProductTypes), "must list at least one product type");
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var type in ProductTypes)
        {
            Require(!string.IsNullOrWhiteSpace(type), nameof(ProductTypes), "must not contain an empty name");
            Require(seen.Add(type), nameof(ProductTypes), $"lists '{type}' twice");
        }
    }

    private static void Require(bool condition, string option, string message)
    {
        if (!condition) throw new ArgumentException($"SyntheticOptions.{option} {message}.", option);
    }
}
