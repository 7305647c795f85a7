using OrleansReco.Core.Model;

namespace OrleansReco.Training.TwoTower;

/// <summary>Training objective.</summary>
public enum LossKind
{
    /// <summary>In-batch sampled softmax with logQ popularity correction (plus optional uniform negatives).</summary>
    SampledSoftmax,
    /// <summary>Binary cross-entropy: each positive against sampled uniform negatives.</summary>
    Bce,
    /// <summary>Bayesian personalised ranking on (positive, sampled negative) pairs.</summary>
    Bpr,
}

public enum OptimizerKind { Adam, AdamW }

/// <summary>Two-tower hyper-parameters. The defaults are meant to work on a data set nobody tuned them for.</summary>
public sealed record TwoTowerOptions
{
    /// <summary>Output dimension d of both towers (also the item-id embedding width).</summary>
    public int Dimension { get; init; } = 64;
    public int[] ItemHidden { get; init; } = [256];
    public int[] UserHidden { get; init; } = [256];
    /// <summary>Width of categorical and multi-categorical embeddings.</summary>
    public int CategoricalDim { get; init; } = 16;
    /// <summary>Width of text n-gram embeddings and their bucket count.</summary>
    public int TextDim { get; init; } = 32;
    public int TextBuckets { get; init; } = 1 << 15;
    /// <summary>Most n-grams kept per text value.</summary>
    public int TextMaxNgrams { get; init; } = 64;
    /// <summary>Most values of a categorical vocabulary (the most frequent are kept) and of a multi-valued cell.</summary>
    public int MaxVocabulary { get; init; } = 50_000;
    public int MultiMaxValues { get; init; } = 8;
    /// <summary>
    /// Share of item rows whose id vector is dropped (zeroed, the rest rescaled) in each training batch, so the item
    /// tower also learns to place an item from its features alone: on a wide catalogue most items have too few events
    /// to train an id vector. Serving and evaluation always use the id vector. 0 = off.
    /// </summary>
    public double IdDropout { get; init; }
    /// <summary>Share of each tower's MLP input units zeroed (the rest rescaled) in training; 0 = off. Serving never drops.</summary>
    public double Dropout { get; init; }
    /// <summary>Hashed item-id buckets; 0 = the power of two at or above 4 × items seen (1,024 to 2^21).</summary>
    public int IdBuckets { get; init; }

    /// <summary>
    /// The user tower averages its own item-id table over the history (asymmetric, like item-item models) instead of
    /// the item tower's table.
    /// </summary>
    public bool SeparateHistoryTable { get; init; } = true;
    /// <summary>
    /// Also train on events whose item the user already had (repeats: the purchase after the view). Off by default:
    /// serving excludes seen items, so repeats only feed the history.
    /// </summary>
    public bool RepeatTargets { get; init; }
    /// <summary>
    /// How the user tower aggregates the history window: <see cref="HistoryAggregation.Attention"/> (the default: a
    /// causal self-attention encoder over the window: item vector + position + event type per event,
    /// <see cref="AttentionLayers"/> pre-norm layers; the user vector is the output at the newest event) or
    /// <see cref="HistoryAggregation.Mean"/> (the weighted mean). Attention is the default because it ranked better on
    /// every data set and seed measured (README, "The model"); a refresh costs about 1.5 times the mean's, and the mean
    /// is the choice where the cost of a refresh per core matters more than ranking quality (in the in-process ingest
    /// benchmark the two now ingest about as fast: README, "Benchmarks").
    /// </summary>
    public HistoryAggregation Aggregation { get; init; } = HistoryAggregation.Attention;
    /// <summary>Attention: encoder layers (the last is evaluated for the newest event only).</summary>
    public int AttentionLayers { get; init; } = 1;
    /// <summary>Attention: heads (must divide <see cref="Dimension"/>).</summary>
    public int AttentionHeads { get; init; } = 2;
    /// <summary>Attention: hidden width of the feed-forward block.</summary>
    public int AttentionFeedForward { get; init; } = 128;
    /// <summary>Most recent events in the user history (N).</summary>
    public int HistoryLength { get; init; } = 50;
    /// <summary>
    /// Mean aggregation: recency half-life of the history weights in days (0: none); null: <see cref="DefaultHalfLifeDays"/>.
    /// Left null with the attention tower, which reads the events' order itself: a value given there is refused by
    /// <see cref="Check"/> rather than ignored.
    /// </summary>
    public double? HalfLifeDays { get; init; }

    /// <summary>The mean tower's half-life when <see cref="HalfLifeDays"/> is not set.</summary>
    public const double DefaultHalfLifeDays = 30;

    /// <summary>The half-life the history weighting is built with.</summary>
    internal double HalfLifeDaysOrDefault => HalfLifeDays ?? DefaultHalfLifeDays;
    /// <summary>
    /// Mean aggregation: half-life, in events, of a short-term mean the user tower takes beside the long-term one
    /// (the newest event weighs 1, the one before 2^(-1/h), ...), so the tower can tell the current session's intent
    /// from the lasting taste; 0 = the long-term mean only. Ignored by the attention encoder, which sees the order itself.
    /// </summary>
    public double RecentHalfLife { get; init; }
    /// <summary>Event-type weights; null = view 1, click 2, add_to_cart 5, purchase 10, rating 1 × value.</summary>
    public Dictionary<string, float>? EventWeights { get; init; }

    public LossKind Loss { get; init; } = LossKind.SampledSoftmax;
    public float Temperature { get; init; } = 0.05f;
    /// <summary>Softmax: subtract log of each candidate's sampling probability (Yi et al. 2019).</summary>
    public bool LogQCorrection { get; init; } = true;
    /// <summary>Softmax: share of the logQ correction applied (1 = full; less keeps some popularity in the scores).</summary>
    public float LogQWeight { get; init; } = 1f;
    /// <summary>
    /// Softmax: an item the row's user has among their training events is not an in-batch negative of that row (its
    /// logit is masked, as a duplicate positive is). Serving never shows a user what they already have, so pushing
    /// those items down teaches nothing that is used, and on long histories it pushes the user away from their own
    /// taste. With the mask, Recall@10 rose
    /// on all six synthetic data sets tried, by 9 % on MovieLens-100K-shaped data and 14 % on the wide preset
    /// (README, "Benchmarks"). False keeps every other row's positive as a negative (the plain in-batch softmax).
    /// </summary>
    public bool MaskSeenNegatives { get; init; } = true;

    /// <summary>Whether training masks seen negatives: asked for, and the loss is the in-batch softmax.</summary>
    internal bool MasksSeenNegatives => MaskSeenNegatives && Loss == LossKind.SampledSoftmax;
    /// <summary>Softmax: extra uniform negatives per batch, shared by all rows (mixed negative sampling); 0 = none.</summary>
    public int UniformNegatives { get; init; }
    /// <summary>BCE and BPR: uniform negatives per batch, shared by all rows.</summary>
    public int SampledNegatives { get; init; } = 256;

    /// <summary>
    /// Ensemble distillation: before the model itself, this many teacher models of the same shape are trained on the
    /// same examples and validation split, each from its own seed (<see cref="Seed"/> + 1,000 × k); the model is then
    /// trained towards the teachers' mean in-batch softmax as well as towards each example's own target (weight
    /// <see cref="DistillWeight"/>). One model is served, as without teachers. 0 = off (the default): with two
    /// teachers the mean Recall@10 of three seeds rose by 8 % on MovieLens-100K-shaped data and 1 % (within noise) on the
    /// wide preset, at 3–4 times the training time (README, "Benchmarks"). Sampled softmax only.
    /// </summary>
    public int Teachers { get; init; }
    /// <summary>Share of the loss that follows the teachers (the rest follows each example's target); with <see cref="Teachers"/> only.</summary>
    public double DistillWeight { get; init; } = 0.5;

    public int Epochs { get; init; } = 20;
    public int BatchSize { get; init; } = 1024;
    public double LearningRate { get; init; } = 0.003;
    public OptimizerKind Optimizer { get; init; } = OptimizerKind.AdamW;
    public double WeightDecay { get; init; } = 1e-4;
    /// <summary>Share of all steps spent warming the learning rate up linearly; then cosine decay to 10 %.</summary>
    public double WarmupFraction { get; init; } = 0.05;

    /// <summary>Hold out each user's newest event (up to <see cref="ValidationUsers"/> users) to pick the best epoch.</summary>
    public bool Validate { get; init; } = true;
    public int ValidationUsers { get; init; } = 2000;
    public int RecallK { get; init; } = 10;
    /// <summary>Epochs without a better validation recall before stopping.</summary>
    public int Patience { get; init; } = 3;
    /// <summary>
    /// After an epoch without a better validation recall (and not the last one), training goes on from the best
    /// epoch's weights with the learning rate multiplied by this factor for the rest of the run (the factors of
    /// successive plateaus multiply); 1 = off (training goes on from the last epoch at the scheduled rate). At the
    /// default peak rate the validation recall of both synthetic presets peaks within a few epochs, while the cosine
    /// schedule has barely started to decay: going back to the best weights with a smaller step raised Recall@10 on
    /// the wide preset and left MovieLens-100K-shaped data the same within noise (README, "Benchmarks").
    /// </summary>
    public double PlateauDecay { get; init; } = 0.5;

    public long Seed { get; init; } = 42;
    public bool PreferCpu { get; init; }
    /// <summary>libtorch intra-op threads; 0 = the process's thread budget (<see cref="Torch.TorchThreads"/>; one per core on the command line).</summary>
    public int Threads { get; init; }
    /// <summary>Stop after this many optimiser steps in total (benchmarks, tests); 0 = no limit.</summary>
    public int MaxSteps { get; init; }

    /// <summary>Most teachers <see cref="Teachers"/> takes: each is a whole training run.</summary>
    public const int MaxTeachers = 8;

    /// <summary>Throws <see cref="ArgumentException"/> naming the first invalid option.</summary>
    public void Check()
    {
        static void Positive(double v, string name)
        {
            if (!(v > 0)) throw new ArgumentException($"{name} must be positive, not {v}.", name);
        }
        Positive(Dimension, nameof(Dimension));
        Positive(CategoricalDim, nameof(CategoricalDim));
        Positive(TextDim, nameof(TextDim));
        Positive(TextBuckets, nameof(TextBuckets));
        Positive(TextMaxNgrams, nameof(TextMaxNgrams));
        Positive(HistoryLength, nameof(HistoryLength));
        Positive(Temperature, nameof(Temperature));
        Positive(Epochs, nameof(Epochs));
        Positive(BatchSize, nameof(BatchSize));
        Positive(LearningRate, nameof(LearningRate));
        Positive(RecallK, nameof(RecallK));
        if (BatchSize < 2) throw new ArgumentException("BatchSize must be at least 2.", nameof(BatchSize));
        if (HalfLifeDays is { } halfLife && !(halfLife >= 0 && !double.IsInfinity(halfLife)))
            throw new ArgumentException($"HalfLifeDays must be 0 (none) or a positive number of days, not {halfLife}.", nameof(HalfLifeDays));
        if (!(WeightDecay >= 0) || double.IsInfinity(WeightDecay)) throw new ArgumentException($"WeightDecay must be a finite number at least 0, not {WeightDecay}.", nameof(WeightDecay));
        if (!(RecentHalfLife >= 0) || double.IsInfinity(RecentHalfLife))
            throw new ArgumentException($"RecentHalfLife must be 0 (none) or a positive number of events, not {RecentHalfLife}.", nameof(RecentHalfLife));
        if (UniformNegatives < 0 || SampledNegatives < 1) throw new ArgumentException("Negative counts are invalid.", nameof(SampledNegatives));
        if (Threads < 0) throw new ArgumentException($"Threads must not be negative (0: the thread budget), not {Threads}.", nameof(Threads));
        if (IdBuckets < 0) throw new ArgumentException("IdBuckets must not be negative.", nameof(IdBuckets));
        if (ItemHidden.Any(h => h <= 0) || UserHidden.Any(h => h <= 0)) throw new ArgumentException("Hidden layer sizes must be positive.", nameof(ItemHidden));
        if (!Enum.IsDefined(Aggregation)) throw new ArgumentException($"Aggregation {(int)Aggregation} is unknown; known: mean, attention.", nameof(Aggregation));
        if (Aggregation == HistoryAggregation.Attention && RecentHalfLife > 0)
            throw new ArgumentException($"RecentHalfLife {RecentHalfLife} is a setting of the mean user tower; the attention tower has no short-term mean. Set Aggregation to Mean, or RecentHalfLife to 0.", nameof(RecentHalfLife));
        if (Aggregation == HistoryAggregation.Attention && HalfLifeDays is not null)
            throw new ArgumentException($"HalfLifeDays {HalfLifeDays} weighs the history of the mean user tower; the attention tower reads the events' order instead and would ignore it. Set Aggregation to Mean, or leave HalfLifeDays out.", nameof(HalfLifeDays));
        if (AttentionLayers is < 1 or > 8) throw new ArgumentException("AttentionLayers must be in [1, 8].", nameof(AttentionLayers));
        if (AttentionHeads < 1 || Dimension % AttentionHeads != 0) throw new ArgumentException($"AttentionHeads must be positive and divide the dimension {Dimension}.", nameof(AttentionHeads));
        Positive(AttentionFeedForward, nameof(AttentionFeedForward));
        if (Dropout is < 0 or >= 1) throw new ArgumentException($"Dropout must be in [0, 1), not {Dropout}.", nameof(Dropout));
        if (IdDropout is < 0 or >= 1) throw new ArgumentException($"IdDropout must be in [0, 1), not {IdDropout}.", nameof(IdDropout));
        if (LogQWeight is < 0 or > 1) throw new ArgumentException($"LogQWeight must be in [0, 1], not {LogQWeight}.", nameof(LogQWeight));
        if (!(PlateauDecay > 0 && PlateauDecay <= 1)) throw new ArgumentException($"PlateauDecay must be in (0, 1], not {PlateauDecay}.", nameof(PlateauDecay));
        if (Teachers is < 0 or > MaxTeachers) throw new ArgumentException($"Teachers must be in [0, {MaxTeachers}], not {Teachers}.", nameof(Teachers));
        if (!(DistillWeight > 0 && DistillWeight <= 1)) throw new ArgumentException($"DistillWeight must be in (0, 1], not {DistillWeight}.", nameof(DistillWeight));
        if (Teachers > 0 && Loss != LossKind.SampledSoftmax)
            throw new ArgumentException($"Teachers {Teachers}: distillation follows the teachers' in-batch softmax and needs the sampled-softmax loss, not {Loss}. Set Loss to SampledSoftmax, or Teachers to 0.", nameof(Teachers));
        if (WarmupFraction is < 0 or >= 1) throw new ArgumentException("WarmupFraction must be in [0, 1).", nameof(WarmupFraction));
    }
}
