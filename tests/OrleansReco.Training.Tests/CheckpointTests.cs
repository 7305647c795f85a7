using OrleansReco.Training.TwoTower;

namespace OrleansReco.Training.Tests;

/// <summary>Checkpoints after each epoch, and a resume that ends where an uninterrupted run ends.</summary>
public sealed class CheckpointTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "reco-checkpoints-" + Guid.NewGuid().ToString("N"));

    private static TwoTowerOptions Options => new()
    {
        Dimension = 16, ItemHidden = [32], UserHidden = [32], CategoricalDim = 8, TextDim = 8, TextBuckets = 512,
        BatchSize = 128, Epochs = 4, Validate = true, ValidationUsers = 60, Threads = 1, Seed = 17,
    };

    /// <summary>A log that cancels training once the checkpoint of epoch <paramref name="epoch"/> is written.</summary>
    private sealed class InterruptAfter(int epoch, CancellationTokenSource cancel) : StringWriter
    {
        public override void WriteLine(string? value)
        {
            base.WriteLine(value);
            if (value?.StartsWith($"two-tower: checkpoint after epoch {epoch}:", StringComparison.Ordinal) == true) cancel.Cancel();
        }
    }

    [Fact]
    public void Resume_AfterAnInterruption_EndsWithTheWeightsOfAnUninterruptedRun()
    {
        var data = FeatureData.Create(users: 150);
        float[] uninterrupted;
        int epochs;
        Core.Evaluation.TrainingHistory full;
        using (var trainer = new TwoTowerTrainer(data, Options))
        {
            full = trainer.Train();
            epochs = full.Epochs.Count;
            uninterrupted = trainer.ExportBundle().Tensors["user.mlp.0.weight"].Data;
        }

        using (var cancel = new CancellationTokenSource())
        using (var first = new TwoTowerTrainer(data, Options, log: new InterruptAfter(2, cancel)))
            Assert.ThrowsAny<OperationCanceledException>(() => first.Train(new TrainingCheckpoints(_folder, resume: false), cancel.Token));
        Assert.Equal(["epoch-0002"], Directory.GetDirectories(_folder).Select(Path.GetFileName));

        var log = new StringWriter();
        using var resumed = new TwoTowerTrainer(data, Options, log: log);
        var history = resumed.Train(new TrainingCheckpoints(_folder, resume: true));
        Assert.Contains("resumed from", log.ToString());
        Assert.Equal(full.Epochs.Select(e => (e.TrainLoss, e.ValidationRecall, e.LearningRate)), history.Epochs.Select(e => (e.TrainLoss, e.ValidationRecall, e.LearningRate)));
        Assert.Equal(Enumerable.Range(1, epochs), history.Epochs.Select(e => e.Epoch));
        Assert.Equal(uninterrupted, resumed.ExportBundle().Tensors["user.mlp.0.weight"].Data);
    }

    [Fact]
    public void Resume_AfterAPlateau_KeepsTheReducedLearningRate()
    {
        // A learning rate this small never betters epoch 1's validation recall: epoch 2 is a plateau, so epoch 3
        // runs at half the scheduled rate (and epoch 4 at a quarter), also after a resume from epoch 2's checkpoint.
        var data = FeatureData.Create(users: 150);
        var options = Options with { LearningRate = 1e-12, PlateauDecay = 0.5, Patience = 3 };
        Core.Evaluation.TrainingHistory full;
        using (var trainer = new TwoTowerTrainer(data, options))
            full = trainer.Train();
        Assert.Equal(4, full.Epochs.Count);

        using (var cancel = new CancellationTokenSource())
        using (var first = new TwoTowerTrainer(data, options, log: new InterruptAfter(2, cancel)))
            Assert.ThrowsAny<OperationCanceledException>(() => first.Train(new TrainingCheckpoints(_folder, resume: false), cancel.Token));

        using var resumed = new TwoTowerTrainer(data, options);
        var history = resumed.Train(new TrainingCheckpoints(_folder, resume: true));
        Assert.Equal(full.Epochs.Select(e => e.LearningRate), history.Epochs.Select(e => e.LearningRate));
        Assert.True(history.Epochs[2].LearningRate < 0.6 * history.Epochs[1].LearningRate, string.Join(", ", history.Epochs.Select(e => e.LearningRate)));
    }

    [Fact]
    public void Resume_WithOtherOptions_NamesTheOption()
    {
        var data = FeatureData.Create(users: 80, eventsPerUser: 6);
        using (var trainer = new TwoTowerTrainer(data, Options with { Epochs = 1 }))
            trainer.Train(new TrainingCheckpoints(_folder, resume: false));
        using var other = new TwoTowerTrainer(data, Options with { Epochs = 1, BatchSize = 64 });
        var error = Assert.Throws<InvalidDataException>(() => other.Train(new TrainingCheckpoints(_folder, resume: true)));
        Assert.Contains("option batchSize was 128", error.Message);
    }

    [Fact]
    public void Resume_WithoutACheckpoint_SaysSo()
    {
        var data = FeatureData.Create(users: 80, eventsPerUser: 6);
        using var trainer = new TwoTowerTrainer(data, Options with { Epochs = 1 });
        var error = Assert.Throws<InvalidDataException>(() => trainer.Train(new TrainingCheckpoints(_folder, resume: true)));
        Assert.Contains("Nothing to resume", error.Message);
    }

    public void Dispose()
    {
        if (Directory.Exists(_folder)) Directory.Delete(_folder, recursive: true);
    }
}
