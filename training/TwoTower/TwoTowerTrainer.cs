using System.Diagnostics;
using System.Globalization;
using OrleansReco.Core.Data;
using OrleansReco.Core.Evaluation;
using OrleansReco.Core.Model;
using OrleansReco.Training.Torch;
using TorchSharp;
using static TorchSharp.torch;

namespace OrleansReco.Training.TwoTower;

/// <summary>
/// Trains the two-tower model in TorchSharp: encodes the data once, runs mini-batch training with the chosen
/// loss, learning-rate warm-up and cosine decay, validates Recall@K on held-out newest events after every epoch,
/// keeps the best weights and exports them as a <see cref="ModelBundle"/> for the plain-C# serving forward pass.
/// </summary>
public sealed class TwoTowerTrainer : IDisposable
{
    private readonly TwoTowerOptions _options;
    private readonly TextWriter? _log;
    private readonly BundleHeader _schema;
    private readonly TrainingData _data;
    private readonly Device _device;
    private readonly TwoTowerNet _net;
    private readonly FeatureTensors _itemFeatures;
    private readonly FeatureTensors _profiles;
    private readonly Tensor _itemBuckets;
    private readonly Tensor _logPopularity;
    private Random _rng;
    // Scalars live as long as the trainer: TorchSharp's implicit float-to-Scalar conversions are freed by the
    // finalizer, which can run while libtorch still reads them.
    private readonly Scalar _inverseTemperature;
    private readonly Scalar _maskedLogit = (-1e9f).ToScalar();
    private readonly Tensor _maskedLogitTensor = tensor(-1e9f);
    private Tensor? _offDiagonal;

    /// <param name="data">Training events and optional user and item feature tables.</param>
    /// <param name="options">Hyper-parameters (defaults if null).</param>
    /// <param name="catalogue">Items that must be embeddable besides those in the data (may be null).</param>
    /// <param name="log">Where progress bars and the summary go (usually stderr); null for silence.</param>
    /// <param name="warmStart">A previous bundle whose weights start this training where they still fit (see <see cref="WarmStart"/>).</param>
    public TwoTowerTrainer(InteractionDataset data, TwoTowerOptions? options = null, IReadOnlyList<string>? catalogue = null, TextWriter? log = null,
        ModelBundle? warmStart = null)
    {
        ArgumentNullException.ThrowIfNull(data);
        _options = options ?? new TwoTowerOptions();
        _options.Check();
        TorchThreads.Use(_options.Threads); // before the first torch call: the process's thread budget and wait policy
        _inverseTemperature = (1f / _options.Temperature).ToScalar();
        if (data.Interactions.Count == 0) throw new ArgumentException("There are no interactions to train on.", nameof(data));
        _log = log;
        _rng = new Random(unchecked((int)(_options.Seed * 31 + 7)));
        _device = TorchDevices.Pick(_options.PreferCpu);

        int distinctItems = data.Interactions.Select(e => e.ItemId).Concat(catalogue ?? []).Concat(data.Items?.Keys ?? [])
            .Distinct(StringComparer.Ordinal).Count();
        int idBuckets = _options.IdBuckets > 0 ? _options.IdBuckets
            : warmStart is not null && warmStart.Header.Dimension == _options.Dimension ? warmStart.Header.IdBuckets
            : (int)Math.Clamp(System.Numerics.BitOperations.RoundUpToPowerOf2((uint)Math.Max(4 * distinctItems, 1)), 1024, 1 << 21);
        _schema = new BundleHeader
        {
            Version = "untrained",
            Dimension = _options.Dimension,
            IdBuckets = idBuckets,
            IdHashSeed = 0x6974656d5f6964UL,
            History = new HistoryWeighting
            {
                Length = _options.HistoryLength,
                HalfLifeSeconds = _options.HalfLifeDays * 86400,
                EventWeights = _options.EventWeights is null
                    ? HistoryWeighting.Defaults()
                    : new Dictionary<string, float>(_options.EventWeights, StringComparer.Ordinal),
            },
            Item = SchemaBuilder.Fit(data.Items, _options.ItemHidden, _options),
            User = SchemaBuilder.Fit(data.Users, _options.UserHidden, _options),
            Aggregation = _options.Aggregation,
            Attention = _options.Aggregation == HistoryAggregation.Attention
                ? new AttentionSpec { Layers = _options.AttentionLayers, Heads = _options.AttentionHeads, FeedForward = _options.AttentionFeedForward }
                : null,
        };
        _data = TrainingData.Build(data, catalogue, _schema, _options);
        _net = TorchSeed.Create(_options.Seed, () => new TwoTowerNet(idBuckets, _options.Dimension, _schema.Item, _schema.User, _options.SeparateHistoryTable,
            _schema.Attention, _options.HistoryLength, _options.IdDropout));
        if (warmStart is not null)
        {
            int copied = WarmStart(warmStart);
            _log?.WriteLine($"two-tower: warm start from {warmStart.Header.Version}: {copied} weight tensors carried over");
        }
        _net.to(_device);
        _itemFeatures = new FeatureTensors(_data.ItemFeatures, _device);
        _profiles = new FeatureTensors(_data.Profiles, _device);
        _itemBuckets = tensor(_data.ItemBucket, device: _device);
        _logPopularity = tensor(_data.LogPopularity, device: _device);
    }

    public TrainingHistory History { get; } = new();

    /// <summary>
    /// Copies a previous bundle's weights into the fresh network wherever they still mean the same thing: the item-id
    /// and history tables when the bucket count and dimension agree; text tables with the same hashing; categorical
    /// rows by value (new values keep their fresh initialisation); MLP layers whose shapes agree. Returns the number
    /// of tensors (fully or partly) copied.
    /// </summary>
    private int WarmStart(ModelBundle previous)
    {
        using var guard = no_grad();
        int copied = 0;
        bool Copy(Tensor target, string name)
        {
            if (!previous.Tensors.TryGetValue(name, out var source)) return false;
            if (!target.shape.Select(d => (int)d).SequenceEqual(source.Shape)) return false;
            using var values = tensor(source.Data, target.shape);
            target.copy_(values);
            copied++;
            return true;
        }
        if (previous.Header.IdBuckets == _schema.IdBuckets && previous.Header.Dimension == _schema.Dimension)
        {
            Copy(_net.Ids.weight!, TwoTowerModel.TensorNames.ItemIds);
            if (_net.HistoryIds is { } history) Copy(history.weight!, TwoTowerModel.TensorNames.HistoryIds);
        }
        foreach (var (name, parameter) in _net.Attention?.Named() ?? []) Copy(parameter, name);
        void Tower(string name, TowerSpec spec, TowerSpec old, TowerNet net)
        {
            int bag = 0;
            foreach (var f in spec.Features.Where(f => f.IsBag))
            {
                var table = net.Bags[bag++].weight!;
                var g = old.Features.FirstOrDefault(o => o.Name == f.Name && o.Kind == f.Kind && o.EmbeddingDim == f.EmbeddingDim);
                if (g is null || !previous.Tensors.TryGetValue(TwoTowerModel.TensorNames.Feature(name, f.Name), out var source)) continue;
                if (f.Kind == Core.Data.FeatureKind.Text)
                {
                    if (g.Buckets == f.Buckets && g.HashSeed == f.HashSeed) Copy(table, TwoTowerModel.TensorNames.Feature(name, f.Name));
                    continue;
                }
                var oldRow = new Dictionary<string, int>(StringComparer.Ordinal);
                for (int i = 0; i < g.Vocabulary.Length; i++) oldRow[g.Vocabulary[i]] = i + 1;
                var rows = table.data<float>();
                int width = f.EmbeddingDim;
                var values = new float[f.TableRows * width];
                rows.CopyTo(values, 0);
                source.Data.AsSpan(0, width).CopyTo(values); // row 0: missing or unknown
                for (int i = 0; i < f.Vocabulary.Length; i++)
                    if (oldRow.TryGetValue(f.Vocabulary[i], out int r)) source.Data.AsSpan(r * width, width).CopyTo(values.AsSpan((i + 1) * width));
                using var mapped = tensor(values, table.shape);
                table.copy_(mapped);
                copied++;
            }
            for (int k = 0; k < net.Layers.Count; k++)
            {
                Copy(net.Layers[k].weight!, TwoTowerModel.TensorNames.Weight(name, k));
                Copy(net.Layers[k].bias!, TwoTowerModel.TensorNames.Bias(name, k));
            }
        }
        Tower("item", _schema.Item, previous.Header.Item, _net.Item);
        Tower("user", _schema.User, previous.Header.User, _net.User);
        return copied;
    }
    public int TrainExamples => _data.TrainExamples.Length;
    public int ValidationExamples => _data.ValidationExamples.Length;
    internal int[] ValidationExampleIds => _data.ValidationExamples;
    public string DeviceName => _device.ToString();

    /// <summary>
    /// Runs training to the end or early stop and leaves the best epoch's weights in the model. With
    /// <paramref name="checkpoints"/>, each epoch ends with a checkpoint on disk, and a resume continues from the newest.
    /// Cancelling <paramref name="cancellationToken"/> stops before the next step (the last checkpoint stays).
    /// </summary>
    /// <exception cref="OperationCanceledException">Training was cancelled.</exception>
    public TrainingHistory Train(TrainingCheckpoints? checkpoints = null, CancellationToken cancellationToken = default)
    {
        var o = _options;
        int batch = o.BatchSize;
        int stepsPerEpoch = (TrainExamples + batch - 1) / batch;
        long totalSteps = (long)stepsPerEpoch * o.Epochs;
        if (o.MaxSteps > 0) totalSteps = Math.Min(totalSteps, o.MaxSteps);
        long warmup = Math.Max(1, (long)(o.WarmupFraction * totalSteps));
        using var optimizer = new AdamOptimizer(_net.parameters(), o.LearningRate, o.WeightDecay, decoupled: o.Optimizer == OptimizerKind.AdamW);
        var buffers = new BatchBuffers(batch, o.HistoryLength);
        var examples = (int[])_data.TrainExamples.Clone();
        Dictionary<string, Tensor>? best = null;
        double bestRecall = double.NegativeInfinity;
        int sinceBest = 0;
        long step = 0;
        int firstEpoch = 1;
        var clock = Stopwatch.StartNew();
        if (checkpoints?.Load(_net, optimizer, o, TrainExamples, _data.Items) is var (resumed, earlier, earlierBest))
        {
            firstEpoch = resumed.Finished ? o.Epochs + 1 : resumed.Epoch + 1;
            step = resumed.Step;
            bestRecall = resumed.BestRecall ?? double.NegativeInfinity;
            sinceBest = resumed.SinceBest;
            best = earlierBest;
            History.Epochs.AddRange(earlier.Epochs);
            History.BestEpoch = earlier.BestEpoch;
            History.BestValidationRecall = earlier.BestValidationRecall;
            _log?.WriteLine($"two-tower: resumed from {checkpoints.Latest()} after epoch {resumed.Epoch} (step {step:N0})");
        }
        History.RecallK = o.RecallK;
        History.TrainExamples = TrainExamples;
        History.ValidationExamples = ValidationExamples;
        _log?.WriteLine($"two-tower: {TrainExamples:N0} training examples, {ValidationExamples:N0} validation users, {_data.Items:N0} items, " +
                        $"{_data.UserIds.Count:N0} users, d={o.Dimension}, {o.Loss}, batch {batch}, {TorchDevices.Describe()}, device {_device}");
        try
        {
            for (int epoch = firstEpoch; epoch <= o.Epochs && step < totalSteps; epoch++)
            {
                // Seeded per epoch and shuffled from the same order, so a run resumed from a checkpoint shuffles and
                // samples as an uninterrupted one.
                _rng = new Random(unchecked((int)(_options.Seed * 31 + 7) + epoch * 7919));
                _net.train();
                _data.TrainExamples.CopyTo(examples, 0);
                _rng.Shuffle(examples);
                var bar = new ProgressBar(_log, $"epoch {epoch,2}/{o.Epochs}", stepsPerEpoch);
                double lossSum = 0;
                long seen = 0;
                int stepsThisEpoch = 0;
                double lr = o.LearningRate;
                var pipeline = new BatchPipeline(this, examples, batch);
                while (step < totalSteps && pipeline.Next() is { } ready)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    int size = ready.Size;
                    lr = LearningRateAt(o.LearningRate, step, warmup, totalSteps);
                    optimizer.LearningRate = lr;
                    using var scope = NewDisposeScope();
                    var loss = Loss(ToDevice(ready));
                    optimizer.ZeroGrad();
                    loss.backward();
                    optimizer.Step();
                    float value = loss.item<float>();
                    lossSum += value * size;
                    seen += size;
                    step++;
                    stepsThisEpoch++;
                    bar.Update(stepsThisEpoch, seen, lossSum / seen);
                }
                double seconds = bar.Seconds;
                double trainLoss = seen > 0 ? lossSum / seen : double.NaN;
                double? validationLoss = null, recall = null;
                if (ValidationExamples > 0)
                {
                    validationLoss = ValidationLoss(buffers);
                    recall = RecallAtK(_data.ValidationExamples, o.RecallK);
                }
                var record = new EpochRecord(epoch, trainLoss, validationLoss, recall, seen / Math.Max(seconds, 1e-9), seconds, lr);
                History.Epochs.Add(record);
                bar.Finish(stepsThisEpoch, seen, trainLoss, recall is null ? null
                    : $"val loss {validationLoss:F4}  Recall@{o.RecallK} {recall:F4}");
                bool improved = false, stop = false;
                if (recall is null || recall > bestRecall)
                {
                    improved = true;
                    bestRecall = recall ?? double.NegativeInfinity;
                    History.BestEpoch = epoch;
                    History.BestValidationRecall = recall;
                    sinceBest = 0;
                    if (recall is not null)
                    {
                        DisposeAll(best);
                        best = Snapshot();
                    }
                }
                else if (++sinceBest >= o.Patience)
                {
                    _log?.WriteLine($"early stop: no better Recall@{o.RecallK} for {o.Patience} epochs");
                    stop = true;
                }
                if (checkpoints is not null)
                {
                    var state = new CheckpointState(epoch, step, recall is null ? null : bestRecall, sinceBest, stop || epoch == o.Epochs || step >= totalSteps);
                    var writing = Stopwatch.StartNew();
                    string saved = checkpoints.Save(state, _net, optimizer, improved, o, TrainExamples, _data.Items, History);
                    long bytes = new DirectoryInfo(saved).EnumerateFiles().Sum(f => f.Length);
                    _log?.WriteLine($"two-tower: checkpoint after epoch {epoch}: {saved} ({bytes / 1048576.0:F1} MiB in {writing.Elapsed.TotalSeconds:F2} s)");
                }
                if (stop) break;
            }
            if (best is not null) _net.load_state_dict(best);
        }
        finally
        {
            DisposeAll(best);
        }
        History.Steps = step;
        History.Seconds = clock.Elapsed.TotalSeconds;
        _log?.WriteLine($"two-tower: {History.Epochs.Count} epochs, {step:N0} steps in {History.Seconds:F1} s; kept epoch {History.BestEpoch}" +
                        (History.BestValidationRecall is { } r ? $" (validation Recall@{o.RecallK} {r:F4})" : ""));
        return History;
    }

    /// <summary>
    /// The learning rate at <paramref name="step"/> (0-based) of <paramref name="total"/>: a linear rise to
    /// <paramref name="peak"/> over the first <paramref name="warmup"/> steps, then cosine decay to 10 % of it.
    /// </summary>
    internal static double LearningRateAt(double peak, long step, long warmup, long total)
    {
        double lr = peak;
        if (step < warmup) return lr * (step + 1) / warmup;
        double progress = (double)(step - warmup) / Math.Max(1, total - warmup);
        return lr * (0.1 + 0.9 * 0.5 * (1 + Math.Cos(Math.PI * Math.Min(progress, 1))));
    }

    private Dictionary<string, Tensor> Snapshot()
    {
        using var guard = no_grad();
        return _net.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.detach().clone());
    }

    private static void DisposeAll(Dictionary<string, Tensor>? tensors)
    {
        if (tensors is null) return;
        foreach (var t in tensors.Values) t.Dispose();
        tensors.Clear();
    }

    /// <summary>Reusable host arrays of one batch.</summary>
    private sealed class BatchBuffers(int batch, int history)
    {
        /// <summary>Examples filled in (the batch may be short at the end of an epoch).</summary>
        public int Size;
        public readonly long[] ItemRows = new long[batch];
        public readonly long[] Buckets = new long[batch];
        public readonly long[] UserRows = new long[batch];
        public readonly long[] HistoryBuckets = new long[batch * history];
        public readonly float[] HistoryWeights = new float[batch * history];
        public readonly long[] HistoryTypes = new long[batch * history];
    }

    /// <summary>The batch's user and positive-item embeddings (inside the caller's dispose scope).</summary>
    /// <summary>
    /// Double-buffered batch assembly: while the model trains on one batch, a worker fills the next one's history
    /// windows and weights on the host, so the data pipeline overlaps the model step.
    /// </summary>
    private sealed class BatchPipeline
    {
        private readonly TwoTowerTrainer _trainer;
        private readonly int[] _examples;
        private readonly int _batch;
        private readonly BatchBuffers[] _buffers;
        private Task? _pending;
        private int _at;
        private int _current;

        public BatchPipeline(TwoTowerTrainer trainer, int[] examples, int batch)
        {
            _trainer = trainer;
            _examples = examples;
            _batch = batch;
            _buffers = [new BatchBuffers(batch, trainer._options.HistoryLength), new BatchBuffers(batch, trainer._options.HistoryLength)];
            Start();
        }

        /// <summary>The next filled batch (null at the end of the examples); starts filling the one after.</summary>
        public BatchBuffers? Next()
        {
            if (_pending is null) return null;
            _pending.Wait();
            var ready = _buffers[_current];
            _current ^= 1;
            Start();
            return ready.Size >= 2 ? ready : null;
        }

        private void Start()
        {
            int at = _at, size = Math.Min(_batch, _examples.Length - at);
            if (size <= 0)
            {
                _pending = null;
                return;
            }
            _at += size;
            var target = _buffers[_current];
            // The current scheduler, not the pool: under TorchThreads.RunAsync that is a thread at training's priority.
            _pending = Task.Factory.StartNew(() => _trainer.Fill(_examples.AsSpan(at, size), target), CancellationToken.None, TaskCreationOptions.None, TaskScheduler.Current);
        }
    }

    /// <summary>The tensors of one batch: the data pipeline's output and the model's input.</summary>
    private sealed record BatchTensors(Tensor ItemRows, Tensor Buckets, Tensor UserRows, Tensor HistoryBuckets, Tensor HistoryWeights, Tensor? HistoryTypes);

    /// <summary>Assembles a batch on the host (history windows and weights) and moves it to the device.</summary>
    private BatchTensors Prepare(ReadOnlySpan<int> examples, BatchBuffers buffers)
    {
        Fill(examples, buffers);
        return ToDevice(buffers);
    }

    private void Fill(ReadOnlySpan<int> examples, BatchBuffers buffers)
    {
        _data.FillBatch(examples, buffers.ItemRows, buffers.Buckets, buffers.UserRows, buffers.HistoryBuckets, buffers.HistoryWeights, buffers.HistoryTypes);
        buffers.Size = examples.Length;
    }

    private BatchTensors ToDevice(BatchBuffers buffers)
    {
        int size = buffers.Size, n = _options.HistoryLength;
        return new BatchTensors(Tensor(buffers.ItemRows, size, 1), Tensor(buffers.Buckets, size, 1), Tensor(buffers.UserRows, size, 1),
            Tensor(buffers.HistoryBuckets, size, n), Tensor(buffers.HistoryWeights, size, n), HistoryTypes(buffers, size));
    }

    /// <summary>The batch's user and positive-item embeddings (inside the caller's dispose scope).</summary>
    private (Tensor Users, Tensor Items, Tensor ItemRows) Forward(BatchTensors batch)
    {
        var items = _net.EmbedItems(batch.Buckets, batch.ItemRows, _itemFeatures);
        var users = _net.EmbedUsers(batch.HistoryBuckets, batch.HistoryWeights, batch.HistoryTypes, batch.UserRows, _profiles);
        return (users, items, batch.ItemRows);
    }

    private (Tensor Users, Tensor Items, Tensor ItemRows) Forward(ReadOnlySpan<int> examples, BatchBuffers buffers) => Forward(Prepare(examples, buffers));

    /// <summary>[size, size] mask of the off-diagonal cells (kept for the full batch size, made for a short last batch).</summary>
    private Tensor OffDiagonal(int size)
    {
        if (size != _options.BatchSize) return eye(size, dtype: ScalarType.Bool, device: _device).logical_not();
        if (_offDiagonal is null)
        {
            using var outer = NewDisposeScope();
            _offDiagonal = eye(size, dtype: ScalarType.Bool, device: _device).logical_not().MoveToOuterDisposeScope();
            _offDiagonal.DetachFromDisposeScope();
        }
        return _offDiagonal;
    }

    /// <summary>The batch's event-type tokens for the attention encoder, or null for the mean.</summary>
    private Tensor? HistoryTypes(BatchBuffers buffers, int size) =>
        _net.Attention is null ? null : Tensor(buffers.HistoryTypes, size, _options.HistoryLength);

    private Tensor Tensor(long[] data, int rows, int columns) =>
        rows * columns == data.Length
            ? tensor(data, columns == 1 ? [rows] : [rows, columns], device: _device)
            : tensor(data.AsSpan(0, rows * columns).ToArray(), columns == 1 ? [rows] : [rows, columns], device: _device);

    private Tensor Tensor(float[] data, int rows, int columns) =>
        rows * columns == data.Length
            ? tensor(data, [rows, columns], device: _device)
            : tensor(data.AsSpan(0, rows * columns).ToArray(), [rows, columns], device: _device);

    private Tensor SampleItems(int count)
    {
        var rows = new long[count];
        for (int i = 0; i < count; i++) rows[i] = _rng.Next(_data.Items);
        return tensor(rows, device: _device);
    }

    private Tensor Loss(ReadOnlySpan<int> examples, BatchBuffers buffers) => Loss(Prepare(examples, buffers));

    /// <summary>The loss of one prepared batch under the configured objective.</summary>
    private Tensor Loss(BatchTensors batch)
    {
        var (users, items, itemRows) = Forward(batch);
        int size = (int)itemRows.shape[0];
        var inverseT = _inverseTemperature;
        switch (_options.Loss)
        {
            case LossKind.SampledSoftmax:
            {
                var logits = users.mm(items.t()) * inverseT;
                var extra = _options.UniformNegatives;
                if (_options.LogQCorrection)
                {
                    using var logSize = ((float)Math.Log(size)).ToScalar();
                    var logQ = _logPopularity.index_select(0, itemRows) + logSize;
                    if (_options.LogQWeight != 1f)
                    {
                        using var weight = _options.LogQWeight.ToScalar();
                        logQ = logQ * weight;
                    }
                    logits = logits - logQ.unsqueeze(0);
                }
                var duplicate = itemRows.unsqueeze(0).eq(itemRows.unsqueeze(1)).logical_and(OffDiagonal(size));
                logits = logits.masked_fill(duplicate, _maskedLogit);
                if (extra > 0)
                {
                    var negativeRows = SampleItems(extra);
                    var negatives = _net.EmbedItems(_itemBuckets.index_select(0, negativeRows), negativeRows, _itemFeatures);
                    var negativeLogits = users.mm(negatives.t()) * inverseT;
                    using var logShare = ((float)Math.Log((double)extra / _data.Items)).ToScalar();
                    if (_options.LogQCorrection) negativeLogits = negativeLogits - logShare;
                    negativeLogits = negativeLogits.masked_fill(itemRows.unsqueeze(1).eq(negativeRows.unsqueeze(0)), _maskedLogit);
                    logits = cat([logits, negativeLogits], 1);
                }
                var labels = arange(size, dtype: ScalarType.Int64, device: _device);
                return nn.functional.cross_entropy(logits, labels);
            }
            case LossKind.Bce:
            case LossKind.Bpr:
            {
                var negativeRows = SampleItems(_options.SampledNegatives);
                var negatives = _net.EmbedItems(_itemBuckets.index_select(0, negativeRows), negativeRows, _itemFeatures);
                var positive = (users * items).sum(1) * inverseT;
                var negative = users.mm(negatives.t()) * inverseT;
                if (_options.Loss == LossKind.Bpr)
                    return nn.functional.softplus(negative - positive.unsqueeze(1)).mean();
                var positiveLoss = nn.functional.binary_cross_entropy_with_logits(positive, ones_like(positive));
                var negativeLoss = nn.functional.binary_cross_entropy_with_logits(negative, zeros_like(negative));
                return positiveLoss + negativeLoss;
            }
            default:
                throw new InvalidOperationException($"Unknown loss {_options.Loss}.");
        }
    }

    private double ValidationLoss(BatchBuffers buffers)
    {
        _net.eval();
        using var guard = no_grad();
        var examples = _data.ValidationExamples;
        double sum = 0;
        long count = 0;
        for (int at = 0; at < examples.Length; at += _options.BatchSize)
        {
            int size = Math.Min(_options.BatchSize, examples.Length - at);
            if (size < 2) break;
            using var scope = NewDisposeScope();
            sum += Loss(examples.AsSpan(at, size), buffers).item<float>() * size;
            count += size;
        }
        return count > 0 ? sum / count : double.NaN;
    }

    /// <summary>[items, d] embeddings of every item row (no gradient).</summary>
    private Tensor AllItemEmbeddings()
    {
        _net.eval();
        using var guard = no_grad();
        var parts = new List<Tensor>();
        for (int at = 0; at < _data.Items; at += 4096)
        {
            int size = Math.Min(4096, _data.Items - at);
            using var scope = NewDisposeScope();
            var rows = arange(at, at + size, dtype: ScalarType.Int64, device: _device);
            parts.Add(_net.EmbedItems(_itemBuckets.index_select(0, rows), rows, _itemFeatures).MoveToOuterDisposeScope());
        }
        var all = cat(parts, 0);
        foreach (var p in parts) p.Dispose();
        return all;
    }

    /// <summary>Share of <paramref name="examples"/> whose target item is in the user's top K over all items.</summary>
    internal double RecallAtK(int[] examples, int k)
    {
        if (examples.Length == 0) return double.NaN;
        _net.eval();
        using var guard = no_grad();
        using var items = AllItemEmbeddings();
        int chunk = 256;
        var buffers = new BatchBuffers(chunk, _options.HistoryLength);
        long hits = 0;
        int kk = Math.Min(k, _data.Items);
        for (int at = 0; at < examples.Length; at += chunk)
        {
            int size = Math.Min(chunk, examples.Length - at);
            using var scope = NewDisposeScope();
            Fill(examples.AsSpan(at, size), buffers);
            var users = _net.EmbedUsers(Tensor(buffers.HistoryBuckets, size, _options.HistoryLength),
                Tensor(buffers.HistoryWeights, size, _options.HistoryLength), HistoryTypes(buffers, size), Tensor(buffers.UserRows, size, 1), _profiles);
            var scores = users.mm(items.t());
            // Like the offline evaluation: items the user already had before the target are not recommended again.
            var maskRows = new List<long>();
            var maskItems = new List<long>();
            for (int b = 0; b < size; b++)
            {
                int j = examples[at + b];
                int target = _data.EventItem[j];
                for (int e = _data.UserStart[_data.EventUser[j]]; e < _data.HistoryEnd[j]; e++)
                {
                    if (_data.EventItem[e] == target) continue;
                    maskRows.Add(b);
                    maskItems.Add(_data.EventItem[e]);
                }
            }
            if (maskRows.Count > 0)
                scores.index_put_(_maskedLogitTensor, tensor(maskRows.ToArray(), device: _device), tensor(maskItems.ToArray(), device: _device));
            var (_, top) = scores.topk(kk, dim: 1);
            var targets = Tensor(buffers.ItemRows, size, 1).unsqueeze(1);
            hits += top.eq(targets).any(1).sum().item<long>();
        }
        return (double)hits / examples.Length;
    }

    /// <summary>Fits score → rating on up to 20,000 training rating events (null when there are fewer than 10).</summary>
    private RatingCalibration? FitRatingCalibration()
    {
        var ratings = _data.TrainExamples.Where(j => _data.EventIsRating[j]).ToArray();
        if (ratings.Length < 10) return null;
        if (ratings.Length > 20_000)
        {
            var rng = new Random(unchecked((int)_options.Seed));
            rng.Shuffle(ratings);
            ratings = ratings[..20_000];
        }
        _net.eval();
        using var guard = no_grad();
        var buffers = new BatchBuffers(1024, _options.HistoryLength);
        double sx = 0, sy = 0, sxx = 0, sxy = 0;
        float min = float.MaxValue, max = float.MinValue;
        for (int at = 0; at < ratings.Length; at += 1024)
        {
            int size = Math.Min(1024, ratings.Length - at);
            using var scope = NewDisposeScope();
            var (users, items, _) = Forward(ratings.AsSpan(at, size), buffers);
            var scores = (users * items).sum(1).cpu().data<float>().ToArray();
            for (int i = 0; i < size; i++)
            {
                double x = scores[i], y = _data.EventValue[ratings[at + i]];
                sx += x; sy += y; sxx += x * x; sxy += x * y;
                min = Math.Min(min, (float)y);
                max = Math.Max(max, (float)y);
            }
        }
        int n = ratings.Length;
        double variance = sxx - sx * sx / n;
        double slope = variance > 1e-9 ? (sxy - sx * sy / n) / variance : 0;
        double intercept = (sy - slope * sx) / n;
        return new RatingCalibration { Slope = (float)slope, Intercept = (float)intercept, Min = min, Max = max };
    }

    /// <summary>
    /// The current weights, schema and training metrics as a bundle (fits the rating calibration if rated), named
    /// <paramref name="version"/> (default: <c>twotower-</c> and the UTC time to the second).
    /// </summary>
    public ModelBundle ExportBundle(string? version = null)
    {
        var created = DateTimeOffset.UtcNow;
        var metrics = new Dictionary<string, double>
        {
            ["epochs"] = History.Epochs.Count,
            ["bestEpoch"] = History.BestEpoch,
            ["trainExamples"] = TrainExamples,
            ["validationExamples"] = ValidationExamples,
            ["steps"] = History.Steps,
            ["trainSeconds"] = History.Seconds,
        };
        if (History.BestValidationRecall is { } recall) metrics[$"validationRecall@{History.RecallK}"] = recall;
        if (History.Epochs.Count > 0) metrics["trainLoss"] = History.Epochs[^1].TrainLoss;
        var o = _options;
        var settings = new Dictionary<string, string>
        {
            ["loss"] = o.Loss.ToString(),
            ["temperature"] = o.Temperature.ToString(CultureInfo.InvariantCulture),
            ["batchSize"] = o.BatchSize.ToString(CultureInfo.InvariantCulture),
            ["learningRate"] = o.LearningRate.ToString(CultureInfo.InvariantCulture),
            ["optimizer"] = o.Optimizer.ToString(),
            ["seed"] = o.Seed.ToString(CultureInfo.InvariantCulture),
            ["device"] = _device.ToString(),
            ["torch"] = TorchDevices.Describe(),
        };
        var header = new BundleHeader
        {
            Version = string.IsNullOrWhiteSpace(version) ? $"twotower-{created.UtcDateTime:yyyyMMdd'T'HHmmss'Z'}" : version,
            CreatedAt = created,
            Dimension = _schema.Dimension,
            IdBuckets = _schema.IdBuckets,
            IdHashSeed = _schema.IdHashSeed,
            History = _schema.History,
            Item = _schema.Item,
            User = _schema.User,
            Aggregation = _schema.Aggregation,
            Attention = _schema.Attention,
            Rating = FitRatingCalibration(),
            Metrics = metrics,
            Settings = settings,
        };
        var tensors = new List<BundleTensor> { Export(TwoTowerModel.TensorNames.ItemIds, _net.Ids.weight!) };
        if (_net.HistoryIds is { } historyTable) tensors.Add(Export(TwoTowerModel.TensorNames.HistoryIds, historyTable.weight!));
        ExportTower("item", _schema.Item, _net.Item, tensors);
        ExportTower("user", _schema.User, _net.User, tensors);
        foreach (var (name, parameter) in _net.Attention?.Named() ?? []) tensors.Add(Export(name, parameter));
        return new ModelBundle(header, tensors);
    }

    private static void ExportTower(string name, TowerSpec spec, TowerNet tower, List<BundleTensor> tensors)
    {
        int bag = 0;
        foreach (var f in spec.Features.Where(f => f.IsBag))
            tensors.Add(Export(TwoTowerModel.TensorNames.Feature(name, f.Name), tower.Bags[bag++].weight!));
        for (int k = 0; k < tower.Layers.Count; k++)
        {
            tensors.Add(Export(TwoTowerModel.TensorNames.Weight(name, k), tower.Layers[k].weight!));
            tensors.Add(Export(TwoTowerModel.TensorNames.Bias(name, k), tower.Layers[k].bias!));
        }
    }

    private static BundleTensor Export(string name, Tensor t)
    {
        using var cpu = t.detach().cpu().contiguous();
        return new BundleTensor(name, cpu.shape.Select(d => (int)d).ToArray(), cpu.data<float>().ToArray());
    }

    /// <summary>TorchSharp's item embeddings for raw (id, features in spec order) pairs: the reference for parity tests.</summary>
    internal float[][] TorchEmbedItems(IReadOnlyList<(string Id, IReadOnlyList<string?>? Features)> items)
    {
        _net.eval();
        using var guard = no_grad();
        using var scope = NewDisposeScope();
        var arrays = TowerArrays.Encode(_schema.Item, items.Count, r => items[r].Features, []);
        using var features = new FeatureTensors(arrays, _device);
        var buckets = items.Select(i => (long)FeatureHashing.Bucket(i.Id, _schema.IdHashSeed, _schema.IdBuckets)).ToArray();
        var result = _net.EmbedItems(tensor(buckets, device: _device), arange(items.Count, dtype: ScalarType.Int64, device: _device), features);
        return Rows(result);
    }

    /// <summary>TorchSharp's user embeddings for raw (profile in spec order, history oldest first, now) triples.</summary>
    internal float[][] TorchEmbedUsers(IReadOnlyList<(IReadOnlyList<string?>? Profile, HistoryEvent[] History, long Now)> users)
    {
        _net.eval();
        using var guard = no_grad();
        using var scope = NewDisposeScope();
        int n = _options.HistoryLength;
        var arrays = TowerArrays.Encode(_schema.User, users.Count, r => users[r].Profile, []);
        using var profiles = new FeatureTensors(arrays, _device);
        var buckets = new long[users.Count * n];
        var weights = new float[users.Count * n];
        var tokens = new long[users.Count * n];
        for (int r = 0; r < users.Count; r++)
        {
            if (_schema.Attention is { } attention)
            {
                var picked = new int[n];
                int count = UserAttention.Window(_schema.History, users[r].History, picked);
                for (int k = 0; k < count; k++)
                {
                    var e = users[r].History[picked[k]];
                    int column = r * n + n - count + k;
                    buckets[column] = FeatureHashing.Bucket(e.ItemId, _schema.IdHashSeed, _schema.IdBuckets);
                    tokens[column] = attention.TypeToken(e.EventType, e.Value);
                    weights[column] = 1f;
                }
                continue;
            }
            var history = users[r].History.TakeLast(n).ToArray();
            var types = history.Select(e => _schema.History.TypeWeight(e.EventType, e.Value)).ToArray();
            var times = history.Select(e => Math.Min(e.Timestamp, users[r].Now)).ToArray();
            _schema.History.Normalised(types, times, weights.AsSpan(r * n, history.Length));
            for (int k = 0; k < history.Length; k++)
                buckets[r * n + k] = FeatureHashing.Bucket(history[k].ItemId, _schema.IdHashSeed, _schema.IdBuckets);
        }
        var result = _net.EmbedUsers(tensor(buckets, [users.Count, n], device: _device), tensor(weights, [users.Count, n], device: _device),
            _schema.Attention is null ? null : tensor(tokens, [users.Count, n], device: _device), arange(users.Count, dtype: ScalarType.Int64, device: _device), profiles);
        return Rows(result);
    }

    private static float[][] Rows(Tensor t)
    {
        var flat = t.cpu().data<float>().ToArray();
        int d = (int)t.shape[1];
        return Enumerable.Range(0, (int)t.shape[0]).Select(r => flat.AsSpan(r * d, d).ToArray()).ToArray();
    }

    /// <summary>
    /// Throughput at the configured batch size, in examples per second: full steps (batch assembly from the events
    /// included) and bare model steps (forward, loss, backward, optimiser) on one prepared batch. The two are timed
    /// in alternating rounds of <paramref name="steps"/> steps and the median round of each is reported, so that
    /// load from other processes hits both alike.
    /// </summary>
    public (double FullStep, double BareStep) Benchmark(int steps, int rounds = 5)
    {
        var o = _options;
        int batch = Math.Min(o.BatchSize, TrainExamples);
        using var optimizer = new AdamOptimizer(_net.parameters(), o.LearningRate * 0.1, o.WeightDecay, decoupled: true);
        var buffers = new BatchBuffers(batch, o.HistoryLength);
        var examples = (int[])_data.TrainExamples.Clone();
        _rng.Shuffle(examples);
        _net.train();
        var pipeline = new BatchPipeline(this, examples, batch);
        void Step(BatchTensors? prepared)
        {
            using var scope = NewDisposeScope();
            Tensor loss;
            if (prepared is null)
            {
                var ready = pipeline.Next();
                if (ready is null || ready.Size < batch)
                {
                    pipeline = new BatchPipeline(this, examples, batch);
                    ready = pipeline.Next()!;
                }
                loss = Loss(ToDevice(ready));
            }
            else
            {
                loss = Loss(prepared);
            }
            optimizer.ZeroGrad();
            loss.backward();
            optimizer.Step();
            loss.item<float>();
        }
        using var keep = NewDisposeScope();
        var prepared = Prepare(examples.AsSpan(0, batch), buffers);
        for (int i = 0; i < 3; i++) Step(null);
        var full = new List<double>();
        var bare = new List<double>();
        var clock = new Stopwatch();
        for (int r = 0; r < rounds; r++)
        {
            clock.Restart();
            for (int i = 0; i < steps; i++) Step(null);
            full.Add(steps * batch / clock.Elapsed.TotalSeconds);
            clock.Restart();
            for (int i = 0; i < steps; i++) Step(prepared);
            bare.Add(steps * batch / clock.Elapsed.TotalSeconds);
        }
        full.Sort();
        bare.Sort();
        return (full[rounds / 2], bare[rounds / 2]);
    }

    public void Dispose()
    {
        _inverseTemperature.Dispose();
        _maskedLogit.Dispose();
        _maskedLogitTensor.Dispose();
        _offDiagonal?.Dispose();
        _net.Dispose();
        _itemFeatures.Dispose();
        _profiles.Dispose();
        _itemBuckets.Dispose();
        _logPopularity.Dispose();
    }
}
