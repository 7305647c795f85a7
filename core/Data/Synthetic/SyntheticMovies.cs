using System.Globalization;
using System.Text;

namespace OrleansReco.Core.Data.Synthetic;

/// <summary>
/// The film catalogue of <see cref="SyntheticCatalogKind.Movies"/>: each film gets one to four genres (weighted
/// like MovieLens's), a release year (more recent years more common), a hidden country of origin, and a title made of
/// words its first genre favours, followed by the year in parentheses ("Midnight Blood Harvest (2004)"). Its planted
/// vector is a normalised sum of its genres' vectors, its decade's, its origin's and item-specific noise, so genres,
/// year and title words place a rarely rated film close to similar ones. The item table has <c>title</c> (text),
/// <c>genres</c> (multi-valued, <c>a|b</c>) and <c>year</c> (numeric).
/// </summary>
internal static class SyntheticMovies
{
    private const float GenreWeight = 1.0f, DecadeWeight = 0.45f, OriginWeight = 0.35f, NoiseWeight = 0.55f;
    private const int FirstYear = 1915, LastYear = 2018;

    /// <summary>Columns of the film table, in order.</summary>
    public static IReadOnlyList<FeatureColumn> Columns { get; } =
    [
        new("title", FeatureKind.Text),
        new("genres", FeatureKind.MultiCategorical),
        new("year", FeatureKind.Numeric),
    ];

    /// <summary>MovieLens genres, the share of films carrying each, and the words titles of that genre draw from.</summary>
    private static readonly (string Name, double Weight, string[] Words)[] Genres =
    [
        ("Drama", 0.45, ["Silence", "River", "Letters", "Winter", "Father", "Promise", "Last", "Quiet", "Distant", "Home"]),
        ("Comedy", 0.39, ["Wedding", "Party", "Crazy", "Vacation", "Dude", "Trouble", "Lucky", "Holiday", "Neighbours", "Big"]),
        ("Thriller", 0.20, ["Target", "Edge", "Witness", "Pursuit", "Hostage", "Deadline", "Conspiracy", "Trap", "Fear", "Ransom"]),
        ("Action", 0.19, ["Fury", "Strike", "Force", "Bullet", "Mission", "Hard", "Fire", "Rogue", "Impact", "Steel"]),
        ("Romance", 0.16, ["Love", "Heart", "Kiss", "Paris", "Forever", "Summer", "Bride", "Sweet", "Moonlight", "Dance"]),
        ("Adventure", 0.14, ["Quest", "Island", "Treasure", "Journey", "Lost", "Kingdom", "Jungle", "Voyage", "Legend", "Wild"]),
        ("Crime", 0.13, ["Heist", "Gangster", "Mob", "Street", "Dirty", "Cop", "Money", "Underworld", "Killer", "Deal"]),
        ("Sci-Fi", 0.10, ["Galaxy", "Planet", "Robot", "Future", "Star", "Alien", "Machine", "Orbit", "Cyber", "Time"]),
        ("Horror", 0.10, ["Night", "Dead", "Blood", "Haunting", "Curse", "Shadow", "Evil", "Zombie", "Scream", "Grave"]),
        ("Fantasy", 0.08, ["Dragon", "Wizard", "Magic", "Sword", "Realm", "Spell", "Enchanted", "Giant", "Fairy", "Crown"]),
        ("Children", 0.07, ["Puppy", "Little", "Adventures", "Friends", "Toy", "Kid", "Magic", "Bear", "Christmas", "School"]),
        ("Animation", 0.06, ["Tales", "Cartoon", "Penguin", "Bunny", "Rainbow", "Ocean", "Tiny", "Monster", "Dreams", "Critters"]),
        ("Mystery", 0.06, ["Secret", "Clue", "Vanishing", "Murder", "Riddle", "Stranger", "Hidden", "Case", "Manor", "Puzzle"]),
        ("Documentary", 0.05, ["Story", "Inside", "Portrait", "Truth", "Voices", "Making", "Life", "Nature", "Chronicle", "Real"]),
        ("War", 0.04, ["Battle", "Soldier", "Front", "Platoon", "Bridge", "Siege", "Enemy", "Glory", "Beach", "Command"]),
        ("Musical", 0.03, ["Song", "Rhythm", "Melody", "Broadway", "Singing", "Jazz", "Stage", "Ballad", "Swing", "Tune"]),
        ("IMAX", 0.02, ["Planet", "Everest", "Deep", "Sky", "Journey", "Wonders", "Space", "Odyssey", "Reef", "Flight"]),
        ("Western", 0.02, ["Outlaw", "Sheriff", "Canyon", "Gun", "Frontier", "Rider", "Dust", "Ranch", "Saloon", "Trail"]),
        ("Film-Noir", 0.01, ["Dark", "Double", "Smoke", "Femme", "Alibi", "Detour", "Nightfall", "Velvet", "Scarlet", "Rain"]),
    ];

    private static readonly string[] Joiners = ["of the", "and the", "in", "at", "on", "for"];

    public static SyntheticCatalog Create(SyntheticOptions options)
    {
        int n = options.Items, dim = options.LatentDimension;
        int decades = (LastYear - FirstYear) / 10 + 1;
        int origins = SyntheticVocabulary.Markets.Length;

        var basis = SyntheticRandom.For(options.Seed, Streams.CatalogBasis);
        var genreVectors = LatentVectors.RandomUnits(ref basis, Genres.Length, dim);
        var decadeVectors = LatentVectors.RandomUnits(ref basis, decades, dim);
        var originVectors = LatentVectors.RandomUnits(ref basis, origins, dim);
        var (popularity, logPopularity) = SyntheticCatalog.ZipfPopularity(ref basis, n, options.PopularitySkew);

        var genreWeights = Genres.Select(g => g.Weight).ToArray();
        var originWeights = new double[] { 0.10, 0.45, 0.20, 0.10, 0.02, 0.01, 0.07, 0.05 };
        long start = options.Start.ToUnixTimeSeconds();
        double span = options.Span.TotalSeconds;
        var vectors = new float[n * dim];
        var release = new double[n];
        var ids = new string[n];
        var rows = new string?[n][];
        var picked = new List<int>(4);
        var weights = new double[Genres.Length];
        for (int i = 0; i < n; i++)
        {
            var random = SyntheticRandom.For(options.Seed, Streams.Item, i);
            // One genre, then each further one with falling chance (MovieLens films average about two).
            picked.Clear();
            genreWeights.CopyTo(weights, 0);
            int count = 1 + (random.Chance(0.6) ? 1 + (random.Chance(0.4) ? 1 + (random.Chance(0.3) ? 1 : 0) : 0) : 0);
            for (int g = 0; g < count; g++)
            {
                int genre = random.Pick(weights);
                picked.Add(genre);
                weights[genre] = 0;
            }
            // Release years: more recent ones more common (an exponential back from the last year).
            int year = Math.Max(FirstYear, LastYear - (int)Math.Floor(random.NextExponential() * 18));
            int decade = (year - FirstYear) / 10;
            int origin = random.Pick(originWeights);

            var v = LatentVectors.Row(vectors, i, dim);
            float share = GenreWeight / MathF.Sqrt(picked.Count);
            foreach (int genre in picked) LatentVectors.AddScaled(v, LatentVectors.Row(genreVectors, genre, dim), share);
            LatentVectors.AddScaled(v, LatentVectors.Row(decadeVectors, decade, dim), DecadeWeight);
            LatentVectors.AddScaled(v, LatentVectors.Row(originVectors, origin, dim), OriginWeight);
            LatentVectors.AddGaussian(ref random, v, NoiseWeight);
            LatentVectors.Normalise(v);

            long released = new DateTimeOffset(year, 1, 1, 0, 0, 0, TimeSpan.Zero).ToUnixTimeSeconds() + (long)(random.NextDouble() * 365 * 86400);
            release[i] = (released - start) / span;
            ids[i] = "m" + i.ToString(CultureInfo.InvariantCulture);
            rows[i] =
            [
                Title(ref random, picked, year),
                string.Join('|', picked.Select(g => Genres[g].Name)),
                year.ToString(CultureInfo.InvariantCulture),
            ];
        }
        return new SyntheticCatalog
        {
            Count = n, Dimension = dim, Vectors = vectors, Popularity = popularity, LogPopularity = logPopularity,
            Category = new int[n], Market = new int[n], Price = new double[n], Performance = new double[n],
            Ids = ids, Table = new FeatureTable("item_id", Columns, ids, rows),
            CategoryVectors = genreVectors, TypeVectors = decadeVectors, MarketVectors = originVectors,
            Release = release,
        };
    }

    /// <summary>Two or three words of the first genre (sometimes one of the second), then the year: "Dead Shadow (1987)".</summary>
    private static string Title(ref SyntheticRandom random, List<int> genres, int year)
    {
        var words = Genres[genres[0]].Words;
        var other = genres.Count > 1 ? Genres[genres[1]].Words : words;
        var title = new StringBuilder();
        if (random.Chance(0.3)) title.Append("The ");
        title.Append(random.Pick(words));
        if (random.Chance(0.4)) title.Append(' ').Append(random.Pick(Joiners));
        title.Append(' ').Append(random.Pick(random.Chance(0.5) ? other : words));
        if (random.Chance(0.08)) title.Append(' ').Append(2 + random.NextInt(3));
        title.Append(" (").Append(year.ToString(CultureInfo.InvariantCulture)).Append(')');
        return title.ToString();
    }
}
