using System.Diagnostics;
using OrleansReco.Core.Evaluation;
using OrleansReco.Training.Torch;
using TorchSharp;
using static TorchSharp.torch;

namespace OrleansReco.Training.TwoTower;

public sealed partial class TwoTowerTrainer
{
    /// <summary>
    /// Step between the sampling seeds of consecutive epochs: a prime, so that epoch seeds of nearby
    /// <see cref="TwoTowerOptions.Seed"/> values do not coincide.
    /// </summary>
    private const int EpochSeedStride = 7919;

    private const double BytesPerMiB = 1 << 20;

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
        using var buffers = LossBuffers(batch);
        var examples = (int[])_data.TrainExamples.Clone();
        Dictionary<string, Tensor>? best = null;
        double bestRecall = double.NegativeInfinity;
        int sinceBest = 0;
        double lrScale = 1;
        long step = 0;
        int firstEpoch = 1;
        var clock = Stopwatch.StartNew();
        if (_teachers.Count < o.Teachers) TrainTeachers(cancellationToken);
        if (checkpoints?.Load(_net, optimizer, o, TrainExamples, _data.Items) is var (resumed, earlier, earlierBest))
        {
            firstEpoch = resumed.Finished ? o.Epochs + 1 : resumed.Epoch + 1;
            step = resumed.Step;
            bestRecall = resumed.BestRecall ?? double.NegativeInfinity;
            sinceBest = resumed.SinceBest;
            lrScale = resumed.LearningRateScale;
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
                _rng = new Random(unchecked(SamplingSeed(_options.Seed) + epoch * EpochSeedStride));
                _net.train();
                _data.TrainExamples.CopyTo(examples, 0);
                _rng.Shuffle(examples);
                var bar = new ProgressBar(_log, $"epoch {epoch,2}/{o.Epochs}", stepsPerEpoch);
                double lossSum = 0;
                long seen = 0;
                int stepsThisEpoch = 0;
                double lr = o.LearningRate;
                using var pipeline = new BatchPipeline(this, examples, batch);
                while (step < totalSteps && pipeline.Next() is { } ready)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    int size = ready.Size;
                    lr = lrScale * LearningRateAt(o.LearningRate, step, warmup, totalSteps);
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
                bool finished = stop || epoch == o.Epochs || step >= totalSteps;
                if (!improved && !finished && o.PlateauDecay < 1 && best is not null)
                {
                    // Plateau: go back to the best epoch and go on from there with a smaller step.
                    _net.load_state_dict(best);
                    lrScale *= o.PlateauDecay;
                    _log?.WriteLine($"plateau: back to epoch {History.BestEpoch}, learning rate × {lrScale:G3}");
                }
                if (checkpoints is not null)
                {
                    var state = new CheckpointState(epoch, step, recall is null ? null : bestRecall, sinceBest, finished, lrScale);
                    var writing = Stopwatch.StartNew();
                    string saved = checkpoints.Save(state, _net, optimizer, improved, o, TrainExamples, _data.Items, History);
                    long bytes = new DirectoryInfo(saved).EnumerateFiles().Sum(f => f.Length);
                    _log?.WriteLine($"two-tower: checkpoint after epoch {epoch}: {saved} ({bytes / BytesPerMiB:F1} MiB in {writing.Elapsed.TotalSeconds:F2} s)");
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
        _log?.WriteLine($"two-tower: {History.Epochs.Count} epochs, {step:N0} steps in {History.Seconds:F1} s{(_teachers.Count > 0 ? " with the teachers" : "")}; kept epoch {History.BestEpoch}" +
                        (History.BestValidationRecall is { } r ? $" (validation Recall@{o.RecallK} {r:F4})" : ""));
        return History;
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
}
