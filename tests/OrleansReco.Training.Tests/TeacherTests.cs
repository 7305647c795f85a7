using OrleansReco.Core.Data;
using OrleansReco.Core.Model;
using OrleansReco.Training.TwoTower;

namespace OrleansReco.Training.Tests;

/// <summary>Ensemble distillation (<see cref="TwoTowerOptions.Teachers"/>): the teachers, their split, and what the model learns from them.</summary>
public sealed class TeacherTests
{
    private static TwoTowerOptions Small => TrainingBehaviourTests.Small with { Validate = true, ValidationUsers = 60, Patience = 10 };

    [Fact]
    public void Teachers_TrainFromTheirOwnSeeds_OnTheModelsExamplesAndValidationSplit()
    {
        var data = FeatureData.Create(users: 150);
        var log = new StringWriter();
        using var trainer = new TwoTowerTrainer(data, Small with { Teachers = 2, Epochs = 2 }, log: log);
        trainer.Train();
        Assert.Equal(2, trainer.TeacherTrainers.Count);
        // 60 of 150 users validate, drawn with the model's seed: a teacher that drew its own split would have trained
        // on the model's validation targets.
        foreach (var teacher in trainer.TeacherTrainers)
        {
            Assert.Equal(trainer.ValidationExampleIds, teacher.ValidationExampleIds);
            Assert.Equal(trainer.TrainExamples, teacher.TrainExamples);
        }
        Assert.Contains("teacher 1/2 (seed 1021)", log.ToString());
        Assert.Contains("teacher 2/2 (seed 2021)", log.ToString());
        // Different seeds, different weights: the teachers are not copies of one run.
        var items = data.Items!.Keys.Take(5).Select(id => (id, (IReadOnlyList<string?>?)null)).ToList();
        Assert.NotEqual(trainer.TeacherTrainers[0].TorchEmbedItems(items)[0], trainer.TeacherTrainers[1].TorchEmbedItems(items)[0]);
        var settings = trainer.ExportBundle().Header.Settings!;
        Assert.Equal("2", settings["teachers"]);
        Assert.Equal("0.5", settings["distillWeight"]);
    }

    [Fact]
    public void Teachers_TheModelRanksMoreLikeItsTeacher_ThanTheSameRunWithoutOne()
    {
        // The same seed, data and starting weights, trained once towards the examples' targets and once towards a
        // teacher's softmax only (DistillWeight 1): the second must agree with the teacher's top 10 more.
        var data = FeatureData.Create(users: 200);
        var opts = Small with { Epochs = 12 };
        using var distilled = new TwoTowerTrainer(data, opts with { Teachers = 1, DistillWeight = 1 });
        distilled.Train();
        using var plain = new TwoTowerTrainer(data, opts);
        plain.Train();
        var teacher = new TwoTowerModel(distilled.TeacherTrainers[0].ExportBundle());
        var student = new TwoTowerModel(distilled.ExportBundle());
        var independent = new TwoTowerModel(plain.ExportBundle());
        var users = data.Interactions.GroupBy(e => e.UserId).Take(100).Select(g => g.OrderBy(e => e.Timestamp).ToList()).ToList();
        double withTeacher = TopOverlap(teacher, student, data, users), without = TopOverlap(teacher, independent, data, users);
        Assert.True(withTeacher > without + 0.05, $"share of the teacher's top 10 in the model's: {withTeacher:F3} with the teacher, {without:F3} without");
    }

    [Fact]
    public void Teachers_OutOfRange_OrWithoutTheSoftmax_AreRefusedNamingTheOption()
    {
        Assert.Contains("Teachers must be in [0, 8]", Assert.Throws<ArgumentException>(() => (Small with { Teachers = -1 }).Check()).Message);
        Assert.Contains("Teachers must be in [0, 8]", Assert.Throws<ArgumentException>(() => (Small with { Teachers = 9 }).Check()).Message);
        Assert.Contains("DistillWeight must be in (0, 1]", Assert.Throws<ArgumentException>(() => (Small with { Teachers = 1, DistillWeight = 0 }).Check()).Message);
        Assert.Contains("DistillWeight must be in (0, 1]", Assert.Throws<ArgumentException>(() => (Small with { Teachers = 1, DistillWeight = 1.5 }).Check()).Message);
        Assert.Contains("needs the sampled-softmax loss, not Bpr", Assert.Throws<ArgumentException>(() => (Small with { Teachers = 1, Loss = LossKind.Bpr }).Check()).Message);
        (Small with { Teachers = 2, DistillWeight = 1 }).Check();
    }

    [Fact]
    public void Teachers_WithUniformNegatives_ChangeTheFirstStepsLoss()
    {
        // Mixed negatives give the teachers' softmax more columns; the loss must take them (same weights, same batch).
        var data = FeatureData.Create(users: 120);
        var mixed = TrainingBehaviourTests.Small with { UniformNegatives = 32 };
        double alone = TrainingBehaviourTests.FirstStepLoss(data, mixed), taught = TrainingBehaviourTests.FirstStepLoss(data, mixed with { Teachers = 1 });
        Assert.True(double.IsFinite(taught), $"loss with a teacher and uniform negatives: {taught}");
        Assert.True(Math.Abs(alone - taught) > 1e-4, $"first-step loss {alone:F5} without a teacher, {taught:F5} with");
    }

    /// <summary>Mean share of <paramref name="reference"/>'s top 10 (seen items excluded) found in <paramref name="other"/>'s.</summary>
    private static double TopOverlap(TwoTowerModel reference, TwoTowerModel other, InteractionDataset data, List<List<Interaction>> users)
    {
        var a = new CatalogRanker(reference, data.Items!.Keys, data.Items);
        var b = new CatalogRanker(other, data.Items!.Keys, data.Items);
        var scratchA = a.NewScratch();
        var scratchB = b.NewScratch();
        var rowsA = new List<(string? Group, int Item, float Score)>();
        var rowsB = new List<(string? Group, int Item, float Score)>();
        double sum = 0;
        foreach (var history in users)
        {
            rowsA.Clear();
            rowsB.Clear();
            a.Rank(null, default, history, 10, includeSeen: false, scratchA, rowsA);
            b.Rank(null, default, history, 10, includeSeen: false, scratchB, rowsB);
            var top = rowsA.Select(r => a.ItemIds[r.Item]).ToHashSet();
            sum += rowsB.Count(r => top.Contains(b.ItemIds[r.Item])) / 10.0;
        }
        return sum / users.Count;
    }
}
