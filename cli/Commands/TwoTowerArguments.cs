using System.CommandLine;
using OrleansReco.Core.Model;
using OrleansReco.Training.TwoTower;

namespace OrleansReco.Cli.Commands;

/// <summary>Two-tower hyper-parameters on the command line; anything not given keeps the trainer's default.</summary>
internal sealed class TwoTowerArguments
{
    private static readonly TwoTowerOptions Defaults = new();

    public Option<int?> Epochs { get; } = new("--epochs") { Description = $"Most epochs (early stopping may end sooner). Default {Defaults.Epochs}." };
    public Option<int?> Dimension { get; } = new("--dim") { Description = $"Embedding dimension d. Default {Defaults.Dimension}." };
    public Option<int?> BatchSize { get; } = new("--batch-size") { Description = $"Examples per step. Default {Defaults.BatchSize}." };
    public Option<double?> LearningRate { get; } = new("--lr") { Description = $"Peak learning rate. Default {Defaults.LearningRate}." };
    public Option<string?> Loss { get; } = new("--loss") { Description = "softmax (in-batch, logQ-corrected; default), bce or bpr." };
    public Option<float?> Temperature { get; } = new("--temperature") { Description = $"Softmax temperature. Default {Defaults.Temperature}." };
    public Option<int?> UniformNegatives { get; } = new("--uniform-negatives") { Description = "Softmax: extra uniform negatives per batch (mixed negative sampling). Default 0." };
    public Option<int?> HistoryLength { get; } = new("--history-length") { Description = $"Most recent events in the user tower (N). Default {Defaults.HistoryLength}." };
    public Option<string?> Aggregation { get; } = new("--aggregation") { Description = "User tower over the history: attention (causal self-attention encoder; default) or mean (weighted mean: cheaper per event)." };
    public Option<int?> AttentionLayers { get; } = new("--attention-layers") { Description = $"Attention user tower: encoder layers. Default {Defaults.AttentionLayers}." };
    public Option<int?> AttentionHeads { get; } = new("--attention-heads") { Description = $"Attention user tower: heads (must divide --dim). Default {Defaults.AttentionHeads}." };
    public Option<int?> AttentionFeedForward { get; } = new("--attention-feed-forward") { Description = $"Attention user tower: hidden width of each layer's feed-forward block. Default {Defaults.AttentionFeedForward}." };
    public Option<string?> Hidden { get; } = new("--hidden") { Description = "Hidden layer sizes of both towers, comma-separated (empty: none). Default 256." };
    public Option<string?> Optimizer { get; } = new("--optimizer") { Description = "adamw (default) or adam." };
    public Option<int?> Patience { get; } = new("--patience") { Description = $"Epochs without better validation recall before stopping. Default {Defaults.Patience}." };
    public Option<double?> PlateauDecay { get; } = new("--plateau-decay") { Description = $"After an epoch without better validation recall, go on from the best epoch's weights with the learning rate times this (1: off). Default {Defaults.PlateauDecay}." };
    public Option<bool> KeepSeenNegatives { get; } = new("--keep-seen-negatives") { Description = "Softmax: keep items a user already has as in-batch negatives of that user's rows (by default they are masked)." };
    public Option<double?> LogQWeight { get; } = new("--logq-weight") { Description = $"Softmax: share of the logQ popularity correction applied (0 to 1). Default {Defaults.LogQWeight}." };
    public Option<double?> HalfLifeDays { get; } = new("--half-life-days") { Description = $"Mean user tower: recency half-life of the history weights in days (0: none). Default {TwoTowerOptions.DefaultHalfLifeDays}." };
    public Option<double?> RecentHalfLife { get; } = new("--recent-half-life") { Description = $"Mean user tower: half-life in events of a short-term mean beside the long-term one (0: none). Default {Defaults.RecentHalfLife}." };
    public Option<double?> WeightDecay { get; } = new("--weight-decay") { Description = $"AdamW decoupled weight decay (Adam: L2 penalty). Default {Defaults.WeightDecay}." };
    public Option<double?> Dropout { get; } = new("--dropout") { Description = $"Share of each tower's MLP inputs dropped in training. Default {Defaults.Dropout}." };
    public Option<bool> SharedHistoryTable { get; } = new("--shared-history-table") { Description = "The user tower averages the item tower's id vectors instead of its own history table." };
    public Option<double?> IdDropout { get; } = new("--id-dropout") { Description = $"Share of item id vectors dropped per training batch, so items are also placed from their features. Default {Defaults.IdDropout}." };
    public Option<int?> Teachers { get; } = new("--teachers") { Description = $"Ensemble distillation: train this many teacher models first (each a whole run from its own seed) and train the model towards their mean softmax as well; one model is served. Costs about K + 1.7 times the training time. Default {Defaults.Teachers} (off)." };
    public Option<double?> DistillWeight { get; } = new("--distill-weight") { Description = $"With --teachers: share of the loss that follows the teachers (0 to 1). Default {Defaults.DistillWeight}." };
    public Option<bool> NoValidation { get; } = new("--no-validation") { Description = "Train on every event and keep the last epoch (no hold-out, no early stopping)." };
    public Option<long?> Seed { get; } = new("--seed") { Description = $"Random seed. Default {Defaults.Seed}." };
    public Option<bool> Cpu { get; } = new("--cpu") { Description = "Train on the CPU even where CUDA is available." };
    public Option<int?> Threads { get; } = new("--threads") { Description = "libtorch threads, and for reco evaluate also the scoring threads (default: one per core)." };

    public void AddTo(Command command)
    {
        foreach (var option in new Option[] { Epochs, Dimension, BatchSize, LearningRate, Loss, Temperature, UniformNegatives, HistoryLength, Aggregation, AttentionLayers, AttentionHeads, AttentionFeedForward, Hidden, Optimizer, Patience, PlateauDecay, KeepSeenNegatives, LogQWeight, HalfLifeDays, RecentHalfLife, WeightDecay, Dropout, SharedHistoryTable, IdDropout, Teachers, DistillWeight, NoValidation, Seed, Cpu, Threads })
            command.Options.Add(option);
    }

    /// <summary>The options given, over the defaults.</summary>
    /// <exception cref="ArgumentException">A value is invalid; the message names the option.</exception>
    public TwoTowerOptions Read(ParseResult parse)
    {
        var o = new TwoTowerOptions();
        if (parse.GetValue(Epochs) is { } epochs) o = o with { Epochs = epochs };
        if (parse.GetValue(Dimension) is { } dim) o = o with { Dimension = dim };
        if (parse.GetValue(BatchSize) is { } batch) o = o with { BatchSize = batch };
        if (parse.GetValue(LearningRate) is { } lr) o = o with { LearningRate = lr };
        if (parse.GetValue(Temperature) is { } t) o = o with { Temperature = t };
        if (parse.GetValue(UniformNegatives) is { } u) o = o with { UniformNegatives = u };
        if (parse.GetValue(HistoryLength) is { } n) o = o with { HistoryLength = n };
        if (parse.GetValue(AttentionLayers) is { } layers) o = o with { AttentionLayers = layers };
        if (parse.GetValue(AttentionHeads) is { } heads) o = o with { AttentionHeads = heads };
        if (parse.GetValue(AttentionFeedForward) is { } ff) o = o with { AttentionFeedForward = ff };
        if (parse.GetValue(Patience) is { } p) o = o with { Patience = p };
        if (parse.GetValue(PlateauDecay) is { } plateau) o = o with { PlateauDecay = plateau };
        if (parse.GetValue(LogQWeight) is { } logQ) o = o with { LogQWeight = (float)logQ };
        if (parse.GetValue(HalfLifeDays) is { } halfLife) o = o with { HalfLifeDays = halfLife };
        if (parse.GetValue(RecentHalfLife) is { } recent) o = o with { RecentHalfLife = recent };
        if (parse.GetValue(WeightDecay) is { } decay) o = o with { WeightDecay = decay };
        if (parse.GetValue(Dropout) is { } dropout) o = o with { Dropout = dropout };
        if (parse.GetValue(KeepSeenNegatives)) o = o with { MaskSeenNegatives = false };
        if (parse.GetValue(SharedHistoryTable)) o = o with { SeparateHistoryTable = false };
        if (parse.GetValue(IdDropout) is { } idDropout) o = o with { IdDropout = idDropout };
        if (parse.GetValue(Teachers) is { } teachers) o = o with { Teachers = teachers };
        if (parse.GetValue(DistillWeight) is { } distill) o = o with { DistillWeight = distill };
        if (parse.GetValue(Seed) is { } seed) o = o with { Seed = seed };
        if (parse.GetValue(Threads) is { } threads) o = o with { Threads = threads };
        if (parse.GetValue(NoValidation)) o = o with { Validate = false };
        if (parse.GetValue(Cpu)) o = o with { PreferCpu = true };
        if (parse.GetValue(Loss) is { } loss)
        {
            o = o with
            {
                Loss = loss.ToLowerInvariant() switch
                {
                    "softmax" => LossKind.SampledSoftmax,
                    "bce" => LossKind.Bce,
                    "bpr" => LossKind.Bpr,
                    _ => throw new ArgumentException($"--loss must be softmax, bce or bpr, not '{loss}'."),
                },
            };
        }
        if (parse.GetValue(Aggregation) is { } aggregation)
        {
            o = o with
            {
                Aggregation = aggregation.ToLowerInvariant() switch
                {
                    "mean" => HistoryAggregation.Mean,
                    "attention" => HistoryAggregation.Attention,
                    _ => throw new ArgumentException($"--aggregation must be mean or attention, not '{aggregation}'."),
                },
            };
        }
        if (parse.GetValue(Optimizer) is { } optimizer)
        {
            o = o with
            {
                Optimizer = optimizer.ToLowerInvariant() switch
                {
                    "adamw" => OptimizerKind.AdamW,
                    "adam" => OptimizerKind.Adam,
                    _ => throw new ArgumentException($"--optimizer must be adamw or adam, not '{optimizer}'."),
                },
            };
        }
        if (parse.GetValue(Hidden) is { } hidden)
        {
            var sizes = hidden.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Select(h => int.TryParse(h, out int v) && v > 0 ? v : throw new ArgumentException($"--hidden: '{h}' is not a positive layer size.")).ToArray();
            o = o with { ItemHidden = sizes, UserHidden = sizes };
        }
        // Settings of the weighted mean that the attention tower would silently ignore.
        string? meanOnly = parse.GetValue(HalfLifeDays) is not null ? HalfLifeDays.Name : parse.GetValue(RecentHalfLife) is not null ? RecentHalfLife.Name : null;
        if (o.Aggregation == HistoryAggregation.Attention && meanOnly is not null)
            throw new ArgumentException($"{meanOnly} weighs the history of the mean user tower; the attention tower (the default) reads the events' order and types instead. Add --aggregation mean, or leave {meanOnly} out.");
        // And the other way round: the encoder's shape means nothing to the weighted mean.
        string? attentionOnly = new Option<int?>[] { AttentionLayers, AttentionHeads, AttentionFeedForward }.FirstOrDefault(a => parse.GetValue(a) is not null)?.Name;
        if (o.Aggregation == HistoryAggregation.Mean && attentionOnly is not null)
            throw new ArgumentException($"{attentionOnly} shapes the attention user tower, but --aggregation mean was given. Leave {attentionOnly} out, or drop --aggregation mean.");
        if (parse.GetValue(DistillWeight) is not null && o.Teachers == 0)
            throw new ArgumentException($"{DistillWeight.Name} weighs the teachers' part of the loss, but no {Teachers.Name} were given. Add {Teachers.Name} K, or leave {DistillWeight.Name} out.");
        try { o.Check(); }
        catch (ArgumentException e) { throw new ArgumentException($"Invalid training option: {e.Message}", e); }
        return o;
    }
}
