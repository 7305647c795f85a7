using System.Numerics.Tensors;
using OrleansReco.Core.Data;
using OrleansReco.Core.Model;
using OrleansReco.Training.TwoTower;

namespace OrleansReco.Training.Tests;

/// <summary>Loss options, early stopping, the learning-rate schedule and history weighting, each checked by what it does.</summary>
public sealed class TrainingBehaviourTests
{
    internal static TwoTowerOptions Small => new()
    {
        Dimension = 16, ItemHidden = [32], UserHidden = [32], CategoricalDim = 8, TextDim = 8, TextBuckets = 512,
        BatchSize = 128, Epochs = 4, Validate = false, Threads = 1, Seed = 21,
    };

    /// <summary>
    /// Same seed, batch and starting weights: <paramref name="training"/> changes the first step's loss; in evaluation
    /// nothing is dropped, so TorchSharp's item embeddings repeat exactly and match the C# forward pass.
    /// </summary>
    private static void AssertChangesTrainingButNotServing(TwoTowerOptions training, string what)
    {
        var data = FeatureData.Create(users: 120);
        double plain = FirstStepLoss(data, Small);
        double changed = FirstStepLoss(data, training);
        Assert.True(Math.Abs(plain - changed) > 1e-4, $"first-step loss {plain:F5} without {what}, {changed:F5} with");

        using var trainer = new TwoTowerTrainer(data, training with { Epochs = 2 });
        trainer.Train();
        var model = new TwoTowerModel(trainer.ExportBundle());
        var items = data.Items!.Keys.Take(12).Select(id => (id, (IReadOnlyList<string?>?)null)).ToList();
        var first = trainer.TorchEmbedItems(items);
        var second = trainer.TorchEmbedItems(items);
        var served = new float[model.Dimension];
        for (int i = 0; i < items.Count; i++)
        {
            Assert.Equal(first[i], second[i]);
            model.EmbedItem(items[i].id, null, served);
            for (int d = 0; d < served.Length; d++) Assert.True(Math.Abs(first[i][d] - served[d]) < 1e-4, $"item {items[i].id}, dimension {d}: {first[i][d]} against {served[d]}");
        }
    }

    internal static double FirstStepLoss(InteractionDataset data, TwoTowerOptions options)
    {
        using var trainer = new TwoTowerTrainer(data, options with { MaxSteps = 1, Epochs = 1 });
        return trainer.Train().Epochs[0].TrainLoss;
    }

    [Theory]
    [InlineData(HistoryAggregation.Attention)]
    [InlineData(HistoryAggregation.Mean)]
    public void History_HoldsTheOtherEventsOfTheSameTimestamp_ButNotALaterEventOfTheTarget(HistoryAggregation aggregation)
    {
        // One user's events in the data's order: a@100; b (view), c, b (purchase), d @200; e@300. Events of one
        // timestamp are each other's history, whatever their order in the file; the purchase of b at the same second
        // is not in the history of b's view (it would give the target away).
        var events = new List<Interaction>();
        foreach (var (item, type, time) in new[]
                 {
                     ("a", EventTypes.Purchase, 100L), ("b", EventTypes.View, 200L), ("c", EventTypes.Purchase, 200L),
                     ("b", EventTypes.Purchase, 200L), ("d", EventTypes.Purchase, 200L), ("e", EventTypes.Purchase, 300L),
                 })
            events.Add(new Interaction("u", item, type, 1, time));
        for (int u = 0; u < 30; u++)
            for (int k = 0; k < 4; k++) events.Add(new Interaction($"o{u}", $"x{(u + k) % 12}", EventTypes.Purchase, 1, 1_000 + k));
        using var trainer = new TwoTowerTrainer(new InteractionDataset(events, null, null), Small with { Aggregation = aggregation });
        var histories = trainer.HistoriesOfFirstExamples(trainer.TrainExamples)
            .Where(x => x.User == "u").ToDictionary(x => x.Item, x => string.Join(",", x.History));
        Assert.Equal(["a", "b", "c", "d", "e"], histories.Keys.Order());
        Assert.Equal("a,c,d", histories["b"]);
        Assert.Equal("a,b,b,d", histories["c"]);
        Assert.Equal("a,b,c,b", histories["d"]);
        Assert.Equal("a,b,c,b,d", histories["e"]);
    }

    [Fact]
    public void UniformNegatives_AddCandidates_RaiseTheLossAtTheSameWeights()
    {
        // Same seed, same first batch, same starting weights: extra negatives only add terms to the softmax denominator.
        var data = FeatureData.Create(users: 120);
        double inBatch = FirstStepLoss(data, Small);
        double mixed = FirstStepLoss(data, Small with { UniformNegatives = 64 });
        Assert.True(mixed > inBatch + 1e-3, $"loss with 64 uniform negatives {mixed:F5}, in-batch only {inBatch:F5}");
    }

    [Fact]
    public void SeenNegativesMask_MarksTheItemsEachRowsUserHas_ButNotItsOwnTarget()
    {
        var data = FeatureData.Create(users: 60, eventsPerUser: 30);
        // Without validation every event is a training event, so a user's seen items are all of theirs.
        var owned = data.Interactions.GroupBy(e => e.UserId).ToDictionary(g => g.Key, g => g.Select(e => e.ItemId).ToHashSet(StringComparer.Ordinal));
        using var trainer = new TwoTowerTrainer(data, Small);
        const int size = 200;
        var (examples, mask) = trainer.SeenMaskOfFirstExamples(size);
        Assert.NotNull(mask);
        int masked = 0;
        for (int r = 0; r < size; r++)
            for (int c = 0; c < size; c++)
            {
                bool expected = examples[c].Item != examples[r].Item && owned[examples[r].User].Contains(examples[c].Item);
                Assert.True(expected == mask[r, c], $"row {r} ({examples[r]}), column {c} ({examples[c]}): expected {expected}");
                if (expected) masked++;
            }
        Assert.True(masked > size, $"only {masked} cells masked: the data set should give each row several");

        using var keeping = new TwoTowerTrainer(data, Small with { MaskSeenNegatives = false });
        Assert.Null(keeping.SeenMaskOfFirstExamples(size).Mask);
    }

    [Fact]
    public void SeenNegativesMask_HoldsOutTheValidationTarget_AndLowersTheLossAtTheSameWeights()
    {
        var data = FeatureData.Create(users: 60, eventsPerUser: 30);
        // Masked cells leave the softmax denominator, so at the same weights and batch the loss can only fall.
        double masked = FirstStepLoss(data, Small);
        double kept = FirstStepLoss(data, Small with { MaskSeenNegatives = false });
        Assert.True(masked < kept - 1e-3, $"first-step loss {masked:F5} with the mask, {kept:F5} without");

        // With validation, a user's held-out newest item is not among the items their rows mask (unless had before).
        using var trainer = new TwoTowerTrainer(data, Small with { Validate = true });
        Assert.True(trainer.ValidationExamples > 0);
        var (examples, mask) = trainer.SeenMaskOfFirstExamples(trainer.TrainExamples);
        var trainedPairs = examples.ToHashSet();
        int checkedCells = 0;
        for (int r = 0; r < examples.Length; r++)
            for (int c = 0; c < examples.Length; c++)
            {
                if (!mask![r, c]) continue;
                Assert.Contains((examples[r].User, examples[c].Item), trainedPairs);
                checkedCells++;
            }
        Assert.True(checkedCells > 0);
    }

    [Fact]
    public void IdDropout_ChangesTrainingSteps_ButNotTheEmbeddingsServed() =>
        AssertChangesTrainingButNotServing(Small with { IdDropout = 0.5 }, "id dropout");

    [Fact]
    public void Dropout_ChangesTrainingSteps_ButNotTheEmbeddingsServed()
    {
        AssertChangesTrainingButNotServing(Small with { Dropout = 0.3 }, "dropout");
        Assert.Equal(nameof(TwoTowerOptions.Dropout), Assert.Throws<ArgumentException>(() => (Small with { Dropout = 1 }).Check()).ParamName);
        Assert.Equal(nameof(TwoTowerOptions.WeightDecay), Assert.Throws<ArgumentException>(() => (Small with { WeightDecay = -0.1 }).Check()).ParamName);
    }

    [Fact]
    public void RecentHalfLife_WeighsTheNewestEventsMost_AndTheMeansSettingsAreCheckedOnTheOptions()
    {
        var weighting = new HistoryWeighting { RecentHalfLifeEvents = 1 };
        var weights = new float[3];
        weighting.RecentNormalised([1f, 1f, 2f], weights);
        // 1·2^-2, 1·2^-1, 2·2^0 = 0.25, 0.5, 2 over 2.75.
        Assert.Equal(0.25f / 2.75f, weights[0], 5);
        Assert.Equal(0.5f / 2.75f, weights[1], 5);
        Assert.Equal(2f / 2.75f, weights[2], 5);
        Assert.Throws<InvalidDataException>(() => new HistoryWeighting { RecentHalfLifeEvents = -1 }.Validate("h"));
        var e = Assert.Throws<ArgumentException>(() => (Small with { RecentHalfLife = -1 }).Check());
        Assert.Equal(nameof(TwoTowerOptions.RecentHalfLife), e.ParamName);
        Assert.Throws<ArgumentException>(() => (Small with { RecentHalfLife = double.PositiveInfinity }).Check());
        // The short-term mean belongs to the mean tower: with attention it would be ignored, so it is refused.
        var attention = Assert.Throws<ArgumentException>(() => (Small with { Aggregation = HistoryAggregation.Attention, RecentHalfLife = 2 }).Check());
        Assert.Equal(nameof(TwoTowerOptions.RecentHalfLife), attention.ParamName);
        (Small with { Aggregation = HistoryAggregation.Mean, RecentHalfLife = 2 }).Check();
        var halfLife = Assert.Throws<ArgumentException>(() => (Small with { Aggregation = HistoryAggregation.Attention, HalfLifeDays = 7 }).Check());
        Assert.Equal(nameof(TwoTowerOptions.HalfLifeDays), halfLife.ParamName);
        (Small with { Aggregation = HistoryAggregation.Mean, HalfLifeDays = 7 }).Check();
        Assert.Throws<ArgumentException>(() => (Small with { Aggregation = HistoryAggregation.Mean, HalfLifeDays = -1 }).Check());
    }

    [Fact]
    public void LogQCorrection_Off_RecommendsLessPopularItems()
    {
        // Without the correction, popular items are over-represented among in-batch negatives and pushed down; the
        // correction (Yi et al. 2019) undoes that, so its recommendations lean more to popular items.
        var data = SkewedData();
        var counts = data.Interactions.GroupBy(e => e.ItemId).ToDictionary(g => g.Key, g => Math.Log(g.Count()));
        double MeanLogPopularity(bool logQ)
        {
            using var trainer = new TwoTowerTrainer(data, Small with { LogQCorrection = logQ, Epochs = 6 });
            trainer.Train();
            var model = new TwoTowerModel(trainer.ExportBundle());
            var ranker = new CatalogRanker(model, data.Items!.Keys, data.Items);
            var scratch = ranker.NewScratch();
            var rows = new List<(string? Group, int Item, float Score)>();
            double sum = 0;
            int n = 0;
            foreach (var user in data.Interactions.GroupBy(e => e.UserId).Take(60))
            {
                rows.Clear();
                ranker.Rank(null, default, user.OrderBy(e => e.Timestamp).ToList(), 10, includeSeen: true, scratch, rows);
                foreach (var (_, item, _) in rows) { sum += counts.GetValueOrDefault(ranker.ItemIds[item]); n++; }
            }
            return sum / n;
        }
        double corrected = MeanLogPopularity(true), uncorrected = MeanLogPopularity(false);
        Assert.True(uncorrected < corrected, $"mean log-popularity of the top 10: without logQ {uncorrected:F3}, with {corrected:F3}");
    }

    /// <summary>Three tastes of 30 items each; within a taste, item popularity falls off as 1/rank.</summary>
    private static InteractionDataset SkewedData()
    {
        var random = new Random(4);
        const int tastes = 3, perTaste = 30;
        var weights = Enumerable.Range(0, perTaste).Select(r => 1.0 / (r + 1)).ToArray();
        double total = weights.Sum();
        var events = new List<Interaction>();
        for (int u = 0; u < 240; u++)
        {
            int taste = u % tastes;
            for (int k = 0; k < 12; k++)
            {
                double x = random.NextDouble() * total;
                int r = 0;
                while (r < perTaste - 1 && (x -= weights[r]) > 0) r++;
                int item = (random.NextDouble() < 0.9 ? taste : random.Next(tastes)) * perTaste + r;
                events.Add(new Interaction($"u{u}", $"i{item}", EventTypes.View, 1f, 1_700_000_000 + u * 1000 + k));
            }
        }
        var ids = Enumerable.Range(0, tastes * perTaste).Select(i => $"i{i}").ToList();
        var items = new FeatureTable("item_id", [new FeatureColumn("taste", FeatureKind.Categorical)], ids,
            ids.Select((_, i) => new string?[] { $"t{i / perTaste}" }).ToArray());
        return new InteractionDataset(events, null, items);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public void Patience_WithoutImprovement_StopsAfterPatienceEpochsAndKeepsTheFirst(int patience)
    {
        // A learning rate this small leaves the ranking (and so the validation recall) unchanged epoch after epoch.
        var data = FeatureData.Create(users: 150);
        var log = new StringWriter();
        using var trainer = new TwoTowerTrainer(data, Small with { Validate = true, ValidationUsers = 100, Epochs = 10, Patience = patience, LearningRate = 1e-12 }, log: log);
        var history = trainer.Train();
        Assert.Equal(1 + patience, history.Epochs.Count);
        Assert.Equal(1, history.BestEpoch);
        Assert.Contains($"early stop: no better Recall@10 for {patience} epochs", log.ToString());
    }

    [Theory]
    [InlineData(1.0)]
    [InlineData(0.5)]
    public void PlateauDecay_EachEpochWithoutImprovement_ScalesTheRestOfTheScheduleAndGoesBackToTheBest(double decay)
    {
        // As above: the validation recall never improves after epoch 1, so epochs 2 and 3 are plateaus and epoch 4 stops.
        var data = FeatureData.Create(users: 150);
        var log = new StringWriter();
        var options = Small with { Validate = true, ValidationUsers = 100, Epochs = 10, Patience = 3, LearningRate = 1e-12, PlateauDecay = decay };
        using var trainer = new TwoTowerTrainer(data, options, log: log);
        var history = trainer.Train();
        Assert.Equal(4, history.Epochs.Count);
        Assert.Equal(1, history.BestEpoch);
        int stepsPerEpoch = (trainer.TrainExamples + options.BatchSize - 1) / options.BatchSize;
        long total = (long)stepsPerEpoch * options.Epochs, warmup = Math.Max(1, (long)(options.WarmupFraction * total));
        double[] scale = [1, 1, decay, decay * decay];
        for (int e = 0; e < 4; e++)
        {
            double scheduled = TwoTowerTrainer.LearningRateAt(options.LearningRate, (long)stepsPerEpoch * (e + 1) - 1, warmup, total);
            Assert.Equal(scale[e] * scheduled, history.Epochs[e].LearningRate, 1e-20);
        }
        int plateaus = log.ToString().Split('\n').Count(l => l.StartsWith("plateau: back to epoch 1", StringComparison.Ordinal));
        Assert.Equal(decay < 1 ? 2 : 0, plateaus);
    }

    [Fact]
    public void LearningRate_RisesLinearlyInWarmup_ThenDecaysByCosineToTheFloor()
    {
        const double peak = 0.01;
        const long warmup = 10, total = 110;
        double At(long step) => TwoTowerTrainer.LearningRateAt(peak, step, warmup, total);
        for (long s = 0; s < warmup; s++)
            Assert.Equal(peak * (s + 1) / warmup, At(s), 12);
        Assert.Equal(peak, At(warmup), 12);
        for (long s = warmup + 1; s <= total; s++)
            Assert.True(At(s) < At(s - 1), $"step {s}: {At(s)} is not below step {s - 1}: {At(s - 1)}");
        Assert.Equal(peak * (0.1 + 0.45), At(warmup + (total - warmup) / 2), 12); // cosine midpoint: half-way to the floor
        Assert.Equal(0.1 * peak, At(total), 12);
        Assert.Equal(0.1 * peak, At(total + 50), 12);
    }

    [Fact]
    public void LearningRate_RecordedPerEpoch_PeaksAfterWarmupAndEndsNearTheFloor()
    {
        var data = FeatureData.Create(users: 100, eventsPerUser: 8);
        using var trainer = new TwoTowerTrainer(data, Small with { Epochs = 8, WarmupFraction = 0.25, BatchSize = 64 });
        var lrs = trainer.Train().Epochs.Select(e => e.LearningRate).ToArray();
        int top = Array.IndexOf(lrs, lrs.Max());
        Assert.True(top is 1 or 2, $"peak at epoch {top + 1}: {string.Join(", ", lrs)}");
        for (int e = 1; e <= top; e++) Assert.True(lrs[e] > lrs[e - 1], string.Join(", ", lrs));
        for (int e = top + 1; e < lrs.Length; e++) Assert.True(lrs[e] < lrs[e - 1], string.Join(", ", lrs));
        Assert.InRange(lrs[^1], 0.1 * Small.LearningRate, 0.11 * Small.LearningRate);
    }

    /// <summary>
    /// The weighted mean weighs a purchase ten times a view, so the user moves further towards a purchased item. (The
    /// attention tower learns its event-type vectors from the data instead, so it has no such rule to test.)
    /// </summary>
    [Fact]
    public void MeanHistory_PurchaseOutweighsView_UserMovesMoreTowardsThePurchasedItem()
    {
        var data = ShopData.Create();
        using var trainer = new TwoTowerTrainer(data, Small with { Epochs = 10, BatchSize = 32, Aggregation = HistoryAggregation.Mean });
        trainer.Train();
        var model = new TwoTowerModel(trainer.ExportBundle());
        var ring = Item(model, data, ShopData.Ring);
        float Towards(string ringEvent)
        {
            HistoryEvent[] history =
            [
                new("case", EventTypes.View, 1f, 100),
                new(ShopData.Ring, ringEvent, 1f, 100),
            ];
            var user = new float[model.Dimension];
            model.EmbedUser(null, history, 100, user);
            return TensorPrimitives.CosineSimilarity(user, ring);
        }
        float purchased = Towards(EventTypes.Purchase), viewed = Towards(EventTypes.View);
        Assert.True(purchased > viewed, $"cosine to the ring: purchased {purchased:F4}, viewed {viewed:F4}");
    }

    [Fact]
    public void Shop_GoldRingAndGoldChain_BoughtTogether_EndUpCloserThanToOtherItems()
    {
        var data = ShopData.Create();
        using var trainer = new TwoTowerTrainer(data, Small with { Epochs = 10, BatchSize = 32 });
        trainer.Train();
        var model = new TwoTowerModel(trainer.ExportBundle());
        var ring = Item(model, data, ShopData.Ring);
        var chain = Item(model, data, ShopData.Chain);
        float together = TensorPrimitives.CosineSimilarity(ring, chain);
        foreach (var other in ShopData.Products.Where(p => p.Department != "gold"))
        {
            var v = Item(model, data, other.Id);
            float ringOther = TensorPrimitives.CosineSimilarity(ring, v), chainOther = TensorPrimitives.CosineSimilarity(chain, v);
            Assert.True(together > ringOther && together > chainOther,
                $"ring–chain {together:F3}; ring–{other.Id} {ringOther:F3}, chain–{other.Id} {chainOther:F3} ({ShopData.Describe(data.Interactions)})");
        }
    }

    private static float[] Item(TwoTowerModel model, InteractionDataset data, string id)
    {
        var v = new float[model.Dimension];
        data.Items!.TryGetRow(id, out var row);
        model.EmbedItem(id, row, v);
        return v;
    }
}
