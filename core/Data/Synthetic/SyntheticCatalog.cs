using System.Globalization;
using System.Text;

namespace OrleansReco.Core.Data.Synthetic;

/// <summary>
/// The generated item catalog. Each item gets a category (weighted), a brand (usually one specialising in that
/// category), a market (usually the brand's home market), a product type (usually one its category prefers), a
/// price, a performance score, tags, and a title and description whose words come from its category's word list
/// (in Arabic for a share of items from Arabic-speaking markets). Its planted vector is a normalised sum of its
/// category's, product type's, brand's and market's vectors plus item-specific noise, so that the features alone
/// place a new item close to similar ones.
/// </summary>
internal sealed class SyntheticCatalog
{
    /// <summary>Weights of category, product type, brand, market and noise in an item's vector.</summary>
    private const float CategoryWeight = 1.0f, TypeWeight = 0.45f, BrandWeight = 0.4f, MarketWeight = 0.35f, NoiseWeight = 0.55f;

    /// <summary>Share of items whose brand, market and product type follow their category's or brand's preference.</summary>
    private const double Affinity = 0.8;

    private static readonly double[] MarketWeights = [0.28, 0.15, 0.12, 0.08, 0.14, 0.10, 0.07, 0.06];

    public required int Count { get; init; }
    public required int Dimension { get; init; }
    public required float[] Vectors { get; init; }
    public required double[] Popularity { get; init; }
    public required double[] LogPopularity { get; init; }
    public required int[] Category { get; init; }
    public required int[] Market { get; init; }
    public required double[] Price { get; init; }
    /// <summary>Performance score in [0, 1] (written as 0–100).</summary>
    public required double[] Performance { get; init; }
    public required string[] Ids { get; init; }
    public required FeatureTable Table { get; init; }

    /// <summary>The latent basis shared with users: one vector per category, product type and market.</summary>
    public required float[] CategoryVectors { get; init; }
    public required float[] TypeVectors { get; init; }
    public required float[] MarketVectors { get; init; }

    /// <summary>
    /// Release time of each item as a share of the event span (negative: released before it starts), or null when
    /// items are available throughout (<see cref="SyntheticCatalogKind.Wealth"/>).
    /// </summary>
    public double[]? Release { get; init; }

    public static SyntheticCatalog Create(SyntheticOptions options)
    {
        if (options.Catalog == SyntheticCatalogKind.Movies) return SyntheticMovies.Create(options);
        int n = options.Items, dim = options.LatentDimension;
        var categories = SyntheticVocabulary.Categories;
        var markets = SyntheticVocabulary.Markets;
        var types = options.ProductTypes;

        var basis = SyntheticRandom.For(options.Seed, Streams.CatalogBasis);
        var categoryVectors = LatentVectors.RandomUnits(ref basis, categories.Length, dim);
        var typeVectors = LatentVectors.RandomUnits(ref basis, types.Count, dim);
        var marketVectors = LatentVectors.RandomUnits(ref basis, markets.Length, dim);
        var brandVectors = LatentVectors.RandomUnits(ref basis, options.Brands, dim);

        // Brands: a home market and two specialities each; brands listed per category.
        var brandMarket = new int[options.Brands];
        var brandsByCategory = Enumerable.Range(0, categories.Length).Select(_ => new List<int>()).ToArray();
        var categoryWeights = categories.Select(c => c.Weight).ToArray();
        for (int b = 0; b < options.Brands; b++)
        {
            brandMarket[b] = basis.Pick(MarketWeights);
            int first = basis.Pick(categoryWeights), second = basis.Pick(categoryWeights);
            brandsByCategory[first].Add(b);
            if (second != first) brandsByCategory[second].Add(b);
        }
        // Product types each category prefers, among those configured (two at random when none of its usual ones is).
        var preferredTypes = new int[categories.Length][];
        for (int c = 0; c < categories.Length; c++)
        {
            var usual = categories[c].PreferredTypes.Select(t => IndexOf(types, t)).Where(i => i >= 0).ToArray();
            preferredTypes[c] = usual.Length > 0 ? usual : [basis.NextInt(types.Count), basis.NextInt(types.Count)];
        }
        var (popularity, logPopularity) = ZipfPopularity(ref basis, n, options.PopularitySkew);
        double meanLog = logPopularity.Average();
        double sdLog = Math.Sqrt(logPopularity.Average(v => (v - meanLog) * (v - meanLog)));

        var vectors = new float[n * dim];
        var category = new int[n];
        var market = new int[n];
        var price = new double[n];
        var performance = new double[n];
        var ids = new string[n];
        var rows = new string?[n][];
        for (int i = 0; i < n; i++)
        {
            var random = SyntheticRandom.For(options.Seed, Streams.Item, i);
            int c = random.Pick(categoryWeights);
            var specialists = brandsByCategory[c];
            int brand = specialists.Count > 0 && random.Chance(Affinity) ? random.Pick(specialists) : random.NextInt(options.Brands);
            int m = random.Chance(Affinity) ? brandMarket[brand] : random.Pick(MarketWeights);
            int type = random.Chance(Affinity) ? random.Pick(preferredTypes[c]) : random.NextInt(types.Count);

            var v = LatentVectors.Row(vectors, i, dim);
            LatentVectors.AddScaled(v, LatentVectors.Row(categoryVectors, c, dim), CategoryWeight);
            LatentVectors.AddScaled(v, LatentVectors.Row(typeVectors, type, dim), TypeWeight);
            LatentVectors.AddScaled(v, LatentVectors.Row(brandVectors, brand, dim), BrandWeight);
            LatentVectors.AddScaled(v, LatentVectors.Row(marketVectors, m, dim), MarketWeight);
            LatentVectors.AddGaussian(ref random, v, NoiseWeight);
            LatentVectors.Normalise(v);

            category[i] = c;
            market[i] = m;
            price[i] = Math.Round(SyntheticVocabulary.TypicalPrice(types[type]) * Math.Exp(0.5 * random.NextGaussian()), 2);
            double popularityZ = sdLog > 0 ? (logPopularity[i] - meanLog) / sdLog : 0;
            performance[i] = 1 / (1 + Math.Exp(-(random.NextGaussian() + 0.5 * popularityZ)));
            ids[i] = "i" + i.ToString(CultureInfo.InvariantCulture);

            bool arabic = markets[m].ArabicSpeaking && random.Chance(options.ArabicShare);
            var (title, description) = arabic
                ? ArabicText(ref random, categories[c], types[type], brand, markets[m])
                : EnglishText(ref random, categories[c], types[type], brand, markets[m]);
            rows[i] =
            [
                types[type],
                categories[c].Name,
                SyntheticVocabulary.BrandName(brand),
                markets[m].Name,
                price[i].ToString("0.##", CultureInfo.InvariantCulture),
                (Math.Round(performance[i] * 1000) / 10).ToString("0.0", CultureInfo.InvariantCulture),
                Tags(ref random, categories[c]),
                title,
                description,
            ];
        }
        var table = new FeatureTable("item_id", Columns, ids, rows);
        return new SyntheticCatalog
        {
            Count = n, Dimension = dim, Vectors = vectors, Popularity = popularity, LogPopularity = logPopularity,
            Category = category, Market = market, Price = price, Performance = performance, Ids = ids, Table = table,
            CategoryVectors = categoryVectors, TypeVectors = typeVectors, MarketVectors = marketVectors,
        };
    }

    /// <summary>Base popularity: Zipf with exponent <paramref name="skew"/> over a random order of the items (shares and their logs).</summary>
    internal static (double[] Popularity, double[] LogPopularity) ZipfPopularity(ref SyntheticRandom random, int n, double skew)
    {
        var rank = Enumerable.Range(0, n).ToArray();
        for (int i = n - 1; i > 0; i--)
        {
            int j = random.NextInt(i + 1);
            (rank[i], rank[j]) = (rank[j], rank[i]);
        }
        var popularity = new double[n];
        double total = 0;
        for (int i = 0; i < n; i++) total += popularity[i] = Math.Pow(rank[i] + 1, -skew);
        var logPopularity = new double[n];
        for (int i = 0; i < n; i++)
        {
            popularity[i] /= total;
            logPopularity[i] = Math.Log(popularity[i]);
        }
        return (popularity, logPopularity);
    }

    /// <summary>Columns of the item table, in order.</summary>
    public static IReadOnlyList<FeatureColumn> Columns { get; } =
    [
        new("product_type", FeatureKind.Categorical),
        new("category", FeatureKind.Categorical),
        new("brand", FeatureKind.Categorical),
        new("market", FeatureKind.Categorical),
        new("price", FeatureKind.Numeric),
        new("performance_score", FeatureKind.Numeric),
        new("tags", FeatureKind.MultiCategorical),
        new("title", FeatureKind.Text),
        new("description", FeatureKind.Text),
    ];

    private static int IndexOf(IReadOnlyList<string> list, string value)
    {
        for (int i = 0; i < list.Count; i++)
            if (string.Equals(list[i], value, StringComparison.Ordinal)) return i;
        return -1;
    }

    private static string Tags(ref SyntheticRandom random, CategoryWords category)
    {
        int count = 1 + random.NextInt(3);
        var chosen = new List<string>(4);
        while (chosen.Count < count)
        {
            string tag = random.Pick(category.Tags);
            if (!chosen.Contains(tag)) chosen.Add(tag);
        }
        if (random.Chance(0.25)) chosen.Add(random.Pick(SyntheticVocabulary.CommonTags));
        return string.Join('|', chosen);
    }

    private static (string Title, string Description) EnglishText(ref SyntheticRandom random, CategoryWords category, string type, int brand, MarketWords market)
    {
        var (w1, w2, w3) = Distinct(ref random, category.Words);
        var title = new StringBuilder(SyntheticVocabulary.BrandStem(brand));
        if (random.Chance(0.6)) title.Append(' ').Append(market.Display);
        title.Append(' ').Append(SyntheticVocabulary.TitleCase(w1.Replace('-', ' ')));
        title.Append(' ').Append(SyntheticVocabulary.TitleCase(w2.Replace('-', ' ')));
        title.Append(' ').Append(SyntheticVocabulary.TypeDisplay(type));
        if (random.Chance(0.15)) title.Append(" Class ").Append((char)('A' + random.NextInt(3)));

        string display = SyntheticVocabulary.TypeDisplay(type);
        string typeText = display.All(char.IsUpper) ? display : display.ToLowerInvariant(); // "ETF" stays upper case
        string article = Article(typeText);
        string adjective = random.Pick(SyntheticVocabulary.FillerAdjectives), noun = random.Pick(SyntheticVocabulary.FillerNouns);
        var (w4, w5, _) = Distinct(ref random, category.Words);
        var description = new StringBuilder();
        description.Append(random.NextInt(3) switch
        {
            0 => $"{SyntheticVocabulary.TitleCase(article)} {typeText} from {SyntheticVocabulary.BrandName(brand)} focused on {w1}, {w2} and {w3} in {market.Display} markets.",
            1 => $"{market.Display} {w1} and {w3} exposure through {Article(adjective)} {adjective} {typeText} by {SyntheticVocabulary.BrandName(brand)}.",
            _ => $"For investors seeking {w2} and {w3}: {article} {typeText} with {adjective} {w1} {noun}.",
        });
        description.Append(random.NextInt(3) switch
        {
            0 => $" The {adjective} {(random.Chance(0.5) ? "strategy" : "approach")} favours {w4} over {w5}.",
            1 => $" Holdings span {w4}, {w5} and {adjective} {w1}.",
            _ => $" Built for {w4} with {adjective} {w5} {noun}.",
        });
        if (random.Chance(0.1)) description.Append(" Rated \"AA\" by independent analysts.");
        return (title.ToString(), description.ToString());
    }

    /// <summary>Three different words of <paramref name="words"/> (which has at least three).</summary>
    private static (string, string, string) Distinct(ref SyntheticRandom random, string[] words)
    {
        int a = random.NextInt(words.Length);
        int b = (a + 1 + random.NextInt(words.Length - 1)) % words.Length;
        int c;
        do c = random.NextInt(words.Length); while (c == a || c == b);
        return (words[a], words[b], words[c]);
    }

    /// <summary>"an" before a vowel sound (including the spelled-out "ETF"), else "a".</summary>
    private static string Article(string word) =>
        word == "ETF" || "aeiouAEIOU".Contains(word[0]) ? "an" : "a";

    private static (string Title, string Description) ArabicText(ref SyntheticRandom random, CategoryWords category, string type, int brand, MarketWords market)
    {
        var (w1, w2, w3) = Distinct(ref random, category.ArabicWords);
        string typeText = SyntheticVocabulary.TypeArabic(type);
        string title = $"{typeText} {SyntheticVocabulary.BrandStem(brand)} {w1} {w2} {market.Arabic}";
        // "<type> from <brand> invests in <w1>, <w2> and <w3> in the markets of <market>."
        string description = $"{typeText} من {SyntheticVocabulary.BrandName(brand)} يستثمر في {w1} و{w2} و{w3} في أسواق {market.Arabic}.";
        return (title, description);
    }
}

/// <summary>Purposes of the independent random streams; changing the events never changes the catalog or the users.</summary>
internal static class Streams
{
    public const ulong CatalogBasis = 1, Item = 2, Tastes = 3, User = 4, Activity = 5, Events = 6;
}
