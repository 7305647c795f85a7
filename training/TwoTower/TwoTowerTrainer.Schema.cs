using System.Numerics;
using OrleansReco.Core.Data;
using OrleansReco.Core.Model;

namespace OrleansReco.Training.TwoTower;

public sealed partial class TwoTowerTrainer
{
    /// <summary>
    /// Seed of the item-id hash: the ASCII bytes of <c>item_id</c> read as a number. It is written into every bundle
    /// and serving hashes with the bundle's value, so it must stay fixed for warm starts to find the same buckets.
    /// </summary>
    private const ulong ItemIdHashSeed = 0x6974656d5f6964UL;

    /// <summary>
    /// Automatic id buckets per distinct item (before rounding up to a power of two): at four buckets an item, at
    /// most about 22 % of items (1 − e^(−1/4)) share their bucket with another, while the table stays small.
    /// </summary>
    private const int IdBucketsPerItem = 4;

    /// <summary>Fewest automatic id buckets, so that a small catalog leaves room for the items that come later.</summary>
    private const int MinIdBuckets = 1024;

    /// <summary>Most automatic id buckets (2^21): bounds the id table at 2^21 × d floats (512 MiB at d = 64).</summary>
    private const int MaxIdBuckets = 1 << 21;

    private const double SecondsPerDay = 86400;

    /// <summary>
    /// The bundle schema this training fits: the id hashing (<see cref="TwoTowerOptions.IdBuckets"/>, else the warm
    /// start's bucket count when its dimension agrees, else sized from the distinct items), the history weighting,
    /// and the item and user feature specs fitted to the feature tables.
    /// </summary>
    private static BundleHeader FitSchema(InteractionDataset data, TwoTowerOptions options, IReadOnlyList<string>? catalog, ModelBundle? warmStart)
    {
        int distinctItems = data.Interactions.Select(e => e.ItemId).Concat(catalog ?? []).Concat(data.Items?.Keys ?? [])
            .Distinct(StringComparer.Ordinal).Count();
        int idBuckets = options.IdBuckets > 0 ? options.IdBuckets
            : warmStart is not null && warmStart.Header.Dimension == options.Dimension ? warmStart.Header.IdBuckets
            : (int)Math.Clamp(BitOperations.RoundUpToPowerOf2((uint)Math.Max(IdBucketsPerItem * distinctItems, 1)), MinIdBuckets, MaxIdBuckets);
        return new BundleHeader
        {
            Version = "untrained",
            Dimension = options.Dimension,
            IdBuckets = idBuckets,
            IdHashSeed = ItemIdHashSeed,
            History = new HistoryWeighting
            {
                Length = options.HistoryLength,
                HalfLifeSeconds = options.HalfLifeDaysOrDefault * SecondsPerDay,
                RecentHalfLifeEvents = options.Aggregation == HistoryAggregation.Mean ? options.RecentHalfLife : 0,
                EventWeights = options.EventWeights is null
                    ? HistoryWeighting.Defaults()
                    : new Dictionary<string, float>(options.EventWeights, StringComparer.Ordinal),
            },
            Item = SchemaBuilder.Fit(data.Items, options.ItemHidden, options),
            User = SchemaBuilder.Fit(data.Users, options.UserHidden, options),
            Aggregation = options.Aggregation,
            Attention = options.Aggregation == HistoryAggregation.Attention
                ? new AttentionSpec { Layers = options.AttentionLayers, Heads = options.AttentionHeads, FeedForward = options.AttentionFeedForward }
                : null,
        };
    }
}
