using System.Globalization;

namespace OrleansReco.Core.Data.Synthetic;

/// <summary>
/// The generated users. A profile (country, age group, segment, then income and assets under management that
/// depend on them) is drawn first; then a primary and a secondary taste cluster are drawn from a softmax whose
/// logits add one random term per country, per segment and per age group, so the profile predicts taste. A user's
/// taste vector mixes the two cluster centres, the home market's vector and personal noise. Each cluster centre
/// favours two categories and a product type, expressed in the same latent basis as the items.
/// </summary>
internal sealed class SyntheticPopulation
{
    /// <summary>Spread of the per-value cluster logits: how much each profile feature says about taste.</summary>
    private const double CountrySignal = 1.1, SegmentSignal = 1.0, AgeSignal = 0.8;

    /// <summary>Weights of the home market and of personal noise in a user's taste.</summary>
    private const float HomeMarketWeight = 0.45f, PersonalWeight = 0.5f;

    public required int Count { get; init; }
    public required float[] Taste { get; init; }
    public required int[] Cluster { get; init; }
    public required int[] SecondCluster { get; init; }
    public required double[] Assets { get; init; }
    public required string[] Ids { get; init; }
    public required FeatureTable Table { get; init; }
    /// <summary>Cluster centres, <c>TasteClusters × dim</c>.</summary>
    public required float[] Centres { get; init; }

    /// <summary>Columns of the user table, in order.</summary>
    public static IReadOnlyList<FeatureColumn> Columns { get; } =
    [
        new("age_group", FeatureKind.Categorical),
        new("segment", FeatureKind.Categorical),
        new("income", FeatureKind.Numeric),
        new("assets_under_management", FeatureKind.Numeric),
        new("country", FeatureKind.Categorical),
    ];

    public static SyntheticPopulation Create(SyntheticOptions options, SyntheticCatalog catalog)
    {
        int n = options.Users, dim = options.LatentDimension, k = options.TasteClusters;
        var countries = SyntheticVocabulary.Countries;

        // Cluster centres favour two categories (genres, for films) and a product type (a decade).
        int categoryCount = catalog.CategoryVectors.Length / dim, typeCount = catalog.TypeVectors.Length / dim;
        var basis = SyntheticRandom.For(options.Seed, Streams.Tastes);
        var centres = new float[k * dim];
        for (int c = 0; c < k; c++)
        {
            var centre = LatentVectors.Row(centres, c, dim);
            int first = basis.NextInt(categoryCount), second = basis.NextInt(categoryCount);
            LatentVectors.AddScaled(centre, LatentVectors.Row(catalog.CategoryVectors, first, dim), 1.0f);
            LatentVectors.AddScaled(centre, LatentVectors.Row(catalog.CategoryVectors, second, dim), 0.6f);
            LatentVectors.AddScaled(centre, LatentVectors.Row(catalog.TypeVectors, basis.NextInt(typeCount), dim), 0.5f);
            LatentVectors.AddGaussian(ref basis, centre, 0.3);
            LatentVectors.Normalise(centre);
        }
        var countryLogits = Logits(ref basis, countries.Length, k, CountrySignal);
        var segmentLogits = Logits(ref basis, SyntheticVocabulary.Segments.Length, k, SegmentSignal);
        var ageLogits = Logits(ref basis, SyntheticVocabulary.AgeGroups.Length, k, AgeSignal);

        var countryWeights = countries.Select(c => c.Weight).ToArray();
        var taste = new float[n * dim];
        var cluster = new int[n];
        var secondCluster = new int[n];
        var assets = new double[n];
        var ids = new string[n];
        var rows = new string?[n][];
        var segmentWeights = new double[SyntheticVocabulary.Segments.Length];
        var clusterWeights = new double[k];
        for (int u = 0; u < n; u++)
        {
            var random = SyntheticRandom.For(options.Seed, Streams.User, u);
            int country = random.Pick(countryWeights);
            int age = random.Pick(SyntheticVocabulary.AgeGroupWeights);
            // Older customers are more often in the higher segments.
            for (int s = 0; s < segmentWeights.Length; s++)
                segmentWeights[s] = SyntheticVocabulary.SegmentWeights[s] * Math.Exp(0.25 * s * (age - 2));
            int segment = random.Pick(segmentWeights);
            double income = SyntheticVocabulary.SegmentIncome[segment] * SyntheticVocabulary.AgeIncomeFactor[age] * Math.Exp(0.35 * random.NextGaussian());
            double wealth = income * SyntheticVocabulary.AgeWealthFactor[age] * Math.Exp(0.7 * random.NextGaussian());
            income = Math.Round(income / 100) * 100;
            wealth = Math.Max(100, Math.Round(wealth / 100) * 100);

            for (int c = 0; c < k; c++)
                clusterWeights[c] = Math.Exp(countryLogits[country * k + c] + segmentLogits[segment * k + c] + ageLogits[age * k + c]);
            int primary = random.Pick(clusterWeights);
            int secondary = primary;
            if (k > 1)
            {
                clusterWeights[primary] = 0;
                secondary = random.Pick(clusterWeights);
            }
            float mix = (float)random.NextDouble(0.55, 0.85);
            var t = LatentVectors.Row(taste, u, dim);
            LatentVectors.AddScaled(t, LatentVectors.Row(centres, primary, dim), mix);
            LatentVectors.AddScaled(t, LatentVectors.Row(centres, secondary, dim), 1 - mix);
            LatentVectors.AddScaled(t, LatentVectors.Row(catalog.MarketVectors, countries[country].Market, dim), HomeMarketWeight);
            LatentVectors.AddGaussian(ref random, t, PersonalWeight);
            LatentVectors.Normalise(t);

            cluster[u] = primary;
            secondCluster[u] = secondary;
            assets[u] = wealth;
            ids[u] = "u" + u.ToString(CultureInfo.InvariantCulture);
            rows[u] =
            [
                SyntheticVocabulary.AgeGroups[age],
                SyntheticVocabulary.Segments[segment],
                income.ToString("0", CultureInfo.InvariantCulture),
                wealth.ToString("0", CultureInfo.InvariantCulture),
                countries[country].Code,
            ];
        }
        return new SyntheticPopulation
        {
            Count = n, Taste = taste, Cluster = cluster, SecondCluster = secondCluster, Assets = assets, Ids = ids,
            Table = new FeatureTable("user_id", Columns, ids, rows), Centres = centres,
        };
    }

    private static double[] Logits(ref SyntheticRandom random, int values, int clusters, double spread)
    {
        var logits = new double[values * clusters];
        for (int i = 0; i < logits.Length; i++) logits[i] = spread * random.NextGaussian();
        return logits;
    }
}
