using TorchSharp;
using static TorchSharp.torch;

namespace OrleansReco.Training.TwoTower;

public sealed partial class TwoTowerTrainer
{
    /// <summary>Step between the seeds of a model's teachers: teacher k trains from <see cref="TwoTowerOptions.Seed"/> + k × this.</summary>
    internal const long TeacherSeedStride = 1000;

    /// <summary>
    /// Trains the teachers (<see cref="TwoTowerOptions.Teachers"/>) one after another, each to its own early stop, and
    /// keeps them for the loss. They share this trainer's encoded examples and validation split, so no teacher has
    /// trained on an event this model validates on. Deterministic for the seed, like the model itself: a run resumed
    /// from a checkpoint trains the same teachers again.
    /// </summary>
    private void TrainTeachers(CancellationToken cancellationToken)
    {
        // From the first teacher not trained yet: a run cancelled during a teacher keeps those trained before it.
        for (int k = _teachers.Count + 1; k <= _options.Teachers; k++)
        {
            long seed = _options.Seed + k * TeacherSeedStride;
            _log?.WriteLine($"two-tower: teacher {k}/{_options.Teachers} (seed {seed})");
            var teacher = new TwoTowerTrainer(this, seed);
            try
            {
                teacher.Train(cancellationToken: cancellationToken);
                teacher._net.eval();
            }
            catch
            {
                teacher.Dispose();
                throw;
            }
            _teachers.Add(teacher);
        }
        _log?.WriteLine($"two-tower: {_teachers.Count} teachers trained (validation Recall@{_options.RecallK} " +
                        string.Join(", ", _teachers.Select(t => t.History.BestValidationRecall?.ToString("F4") ?? "-")) + "); training the model");
    }

    /// <summary>
    /// The teachers' mean logits, over the temperature and with no gradient, of the batch's rows against its in-batch
    /// positives ([B, B]) and against the uniform negatives <paramref name="negativeRows"/> ([B, extra]; null without
    /// any). The caller applies the same logQ correction and masks as to the model's own logits.
    /// </summary>
    private (Tensor InBatch, Tensor? Negatives) TeacherLogits(BatchTensors batch, Tensor? negativeRows)
    {
        using var guard = no_grad();
        Tensor? inBatch = null, negatives = null;
        foreach (var teacher in _teachers)
        {
            var (users, items, _) = teacher.Forward(batch);
            var logits = users.mm(items.t());
            inBatch = inBatch is null ? logits : inBatch + logits;
            if (negativeRows is null) continue;
            var vectors = teacher._net.EmbedItems(_itemBuckets.index_select(0, negativeRows), negativeRows, _itemFeatures);
            var negativeLogits = users.mm(vectors.t());
            negatives = negatives is null ? negativeLogits : negatives + negativeLogits;
        }
        using var scale = (1.0 / (_options.Temperature * _teachers.Count)).ToScalar();
        return (inBatch! * scale, negatives is null ? null : negatives * scale);
    }

    /// <summary>
    /// The distilled loss: (1 − w) × the cross-entropy against each row's own target + w × the cross-entropy against
    /// the teachers' softmax over the same cells (<paramref name="teacherLogits"/>, already corrected and masked).
    /// </summary>
    private Tensor Distilled(Tensor logits, Tensor hard, Tensor teacherLogits)
    {
        var soft = nn.functional.softmax(teacherLogits, 1);
        var distill = -(soft * nn.functional.log_softmax(logits, 1)).sum(1).mean();
        double w = _options.DistillWeight;
        using var hardShare = (1 - w).ToScalar();
        using var softShare = w.ToScalar();
        return hard * hardShare + distill * softShare;
    }
}
