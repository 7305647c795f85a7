using OrleansReco.Core.Data.Synthetic;
using OrleansReco.Core.Evaluation;
using OrleansReco.Core.Evaluation.Baselines;
using OrleansReco.Training.TwoTower;

namespace OrleansReco.Training.Tests;

/// <summary>The generator plants tastes; a trained two-tower model must recover them far better than popularity.</summary>
public sealed class PlantedStructureTests
{
    [Fact]
    public void TwoTower_BeatsMostPop_OnGeneratedData()
    {
        var data = SyntheticGenerator.Generate(new SyntheticOptions { Users = 600, Items = 400, Events = 30_000, Seed = 3 });
        var split = Splits.LeaveLastOut(data);
        var options = new EvaluationOptions { Ks = [10], Threads = 1 };
        var twoTower = Evaluator.Evaluate(new TwoTowerRecommender(new TwoTowerOptions { Epochs = 8, BatchSize = 256, Threads = 2 }), split, options);
        var mostPop = Evaluator.Evaluate(new MostPopular(), split, options);
        double ours = twoTower.Metrics.At(10)!.Recall, baseline = mostPop.Metrics.At(10)!.Recall;
        Assert.True(ours > 1.5 * baseline, $"two-tower Recall@10 {ours:F4} vs MostPop {baseline:F4}");
    }
}
