using OrleansReco.Core.Data;
using OrleansReco.Core.Model;
using OrleansReco.Training.TwoTower;

namespace OrleansReco.Training.Tests;

/// <summary>The TorchSharp trainer: every loss learns, runs are reproducible, the bundle matches TorchSharp.</summary>
public sealed class TwoTowerTrainerTests
{
    private static TwoTowerOptions Small(LossKind loss = LossKind.SampledSoftmax) => new()
    {
        Dimension = 16,
        ItemHidden = [32],
        UserHidden = [32],
        CategoricalDim = 8,
        TextDim = 8,
        TextBuckets = 512,
        BatchSize = 128,
        Epochs = 6,
        Loss = loss,
        SampledNegatives = 32,
        Validate = false,
        Threads = 1,
        Seed = 11,
    };

    [Theory]
    [InlineData(LossKind.SampledSoftmax)]
    [InlineData(LossKind.Bce)]
    [InlineData(LossKind.Bpr)]
    public void Train_LossDecreases_ForEachLoss(LossKind loss)
    {
        var data = FeatureData.Create();
        using var trainer = new TwoTowerTrainer(data, Small(loss));
        var history = trainer.Train();
        Assert.Equal(6, history.Epochs.Count);
        Assert.All(history.Epochs, e => Assert.True(double.IsFinite(e.TrainLoss), $"epoch {e.Epoch} loss {e.TrainLoss}"));
        double first = history.Epochs[0].TrainLoss, last = history.Epochs[^1].TrainLoss;
        Assert.True(last < 0.9 * first, $"{loss}: loss went from {first:F4} to {last:F4}");
    }

    [Fact]
    public void Train_SameSeed_GivesSameWeights()
    {
        var data = FeatureData.Create(users: 60, items: 40, eventsPerUser: 6);
        var options = Small() with { Epochs = 2 };
        Assert.Equal(UserWeightsAfterTraining(data, options), UserWeightsAfterTraining(data, options));
    }

    /// <summary>A run's first user-tower layer after training (what the determinism tests compare).</summary>
    private static float[] UserWeightsAfterTraining(InteractionDataset data, TwoTowerOptions options)
    {
        using var trainer = new TwoTowerTrainer(data, options);
        trainer.Train();
        return trainer.ExportBundle().Tensors["user.mlp.0.weight"].Data;
    }

    [Fact]
    public async Task Train_WithDropout_SameSeed_GivesSameWeights_WhileAnotherRunTrainsBeside()
    {
        // Another trainer with dropout runs on another thread the whole time: its draws and this run's must not mix.
        var data = FeatureData.Create(users: 60, items: 40, eventsPerUser: 6);
        var options = Small() with { Epochs = 3, Dropout = 0.3, IdDropout = 0.3 };
        using var stop = new CancellationTokenSource();
        var training = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var beside = Task.Run(() =>
        {
            while (!stop.IsCancellationRequested)
            {
                using var other = new TwoTowerTrainer(data, options with { Seed = 99, Epochs = 20 });
                training.TrySetResult();
                try
                {
                    other.Train(cancellationToken: stop.Token);
                }
                catch (OperationCanceledException) when (stop.IsCancellationRequested)
                {
                }
            }
        });
        await training.Task;
        try
        {
            Assert.Equal(UserWeightsAfterTraining(data, options), UserWeightsAfterTraining(data, options));
        }
        finally
        {
            await stop.CancelAsync();
            await beside;
        }
    }

    [Fact]
    public async Task Train_OnASchedulerWhoseOnlyThreadIsTheTrainers_FillsItsOwnBatches()
    {
        // The next batch is filled by a task on the current scheduler while the model steps. When that scheduler's only
        // thread is the one training (or every thread of it is busy), nothing would ever run the fill: the trainer
        // must fill the batch itself instead of waiting for it (before, this run never finished).
        var data = FeatureData.Create(users: 60, items: 40, eventsPerUser: 6);
        using var scheduler = new OneThreadScheduler();
        var run = Task.Factory.StartNew(() =>
        {
            using var trainer = new TwoTowerTrainer(data, Small() with { Epochs = 2 });
            return trainer.Train();
        }, CancellationToken.None, TaskCreationOptions.None, scheduler);
        var history = await run.WaitAsync(TimeSpan.FromSeconds(60));
        Assert.Equal(2, history.Epochs.Count);
        Assert.All(history.Epochs, e => Assert.True(double.IsFinite(e.TrainLoss), $"epoch loss {e.TrainLoss}"));
    }

    /// <summary>A scheduler with one thread that never runs a task inline on another thread.</summary>
    private sealed class OneThreadScheduler : TaskScheduler, IDisposable
    {
        private readonly System.Collections.Concurrent.BlockingCollection<Task> _queue = [];

        public OneThreadScheduler()
        {
            var thread = new Thread(() =>
            {
                foreach (var task in _queue.GetConsumingEnumerable()) TryExecuteTask(task);
            }) { IsBackground = true, Name = "one-thread-scheduler" };
            thread.Start();
        }

        protected override void QueueTask(Task task) => _queue.Add(task);

        protected override bool TryExecuteTaskInline(Task task, bool taskWasPreviouslyQueued) => false;

        protected override IEnumerable<Task> GetScheduledTasks() => _queue.ToArray();

        public void Dispose() => _queue.CompleteAdding();
    }

    [Fact]
    public void Train_WithValidation_KeepsBestEpochAndRecordsRecall()
    {
        var data = FeatureData.Create(users: 300);
        var options = Small() with { Validate = true, Epochs = 4, ValidationUsers = 100 };
        using var trainer = new TwoTowerTrainer(data, options);
        var history = trainer.Train();
        Assert.True(trainer.ValidationExamples >= 20);
        Assert.All(history.Epochs, e => Assert.NotNull(e.ValidationRecall));
        var best = history.Epochs.MaxBy(e => e.ValidationRecall!.Value)!;
        Assert.Equal(best.ValidationRecall, history.BestValidationRecall);
        // The kept weights are the best epoch's: re-measuring recall on the validation users gives its value.
        Assert.Equal(best.ValidationRecall!.Value, trainer.RecallAtK(trainer.ValidationExampleIds, options.RecallK), 6);
        // Planted tastes (85% of picks in the user's category among 4): far above a random ranking.
        Assert.True(best.ValidationRecall > 2.0 * options.RecallK / 120, $"validation recall {best.ValidationRecall}");
    }
}

/// <summary>Retraining from the current bundle (warm start) instead of from scratch.</summary>
public sealed class WarmStartTests
{
    [Fact]
    public void Train_WarmStarted_StartsFromALowerLoss()
    {
        var data = FeatureData.Create(users: 200);
        var options = new TwoTowerOptions
        {
            Dimension = 16, ItemHidden = [32], UserHidden = [32], CategoricalDim = 8, TextDim = 8, TextBuckets = 512,
            BatchSize = 128, Epochs = 6, Validate = false, Threads = 1, Seed = 3,
        };
        ModelBundle previous;
        double coldFirst;
        using (var cold = new TwoTowerTrainer(data, options))
        {
            coldFirst = cold.Train().Epochs[0].TrainLoss;
            previous = cold.ExportBundle();
        }
        var log = new StringWriter();
        using var warm = new TwoTowerTrainer(data, options with { Epochs = 1 }, log: log, warmStart: previous);
        double warmFirst = warm.Train().Epochs[0].TrainLoss;
        Assert.Contains("warm start from", log.ToString());
        Assert.True(warmFirst < 0.95 * coldFirst, $"warm first-epoch loss {warmFirst:F4}, cold {coldFirst:F4}");
    }
}
