using OrleansReco.Core.Data;
using OrleansReco.Core.Evaluation;
using OrleansReco.Core.Evaluation.Baselines;

namespace OrleansReco.Core.Tests.Evaluation;

public sealed class EvaluatorTests
{
    /// <summary>Scores items by a fixed order and records what it was asked.</summary>
    private sealed class FixedScores(float[] scores) : IRecommender
    {
        public string Name => "Fixed";
        public void Fit(InteractionDataset train, IReadOnlyList<string> catalog) { }
        public void Score(string userId, IReadOnlyList<Interaction> history, Span<float> destination) => scores.CopyTo(destination);
    }

    [Fact]
    public void ScoreCases_ExcludesSeenItems_BeforeRanking()
    {
        // Item 0 scores highest but is seen, so the target (item 1) is at rank 1.
        var model = new FixedScores([9f, 5f, 1f]);
        EvaluationCase[] cases = [new("u", [], [1], [0])];
        var (metrics, _) = Evaluator.ScoreCases(model, cases, 3, new EvaluationOptions { Ks = [1], Threads = 1 });
        Assert.Equal(1.0, metrics.At(1)!.Recall);
        Assert.Equal(1.0, metrics.Mrr);
        Assert.Equal(1.0 / 3, metrics.At(1)!.Coverage, 12);
    }

    [Fact]
    public void ScoreCases_EmptyHistory_IsScored()
    {
        var pop = new MostPopular();
        pop.Fit(new InteractionDataset([new("a", "x", "view", 1, 1), new("b", "x", "view", 1, 1), new("b", "y", "view", 1, 2)], null, null), ["x", "y", "z"]);
        EvaluationCase[] cases = [new("cold", [], [1], []), new("cold2", [], [2], [])];
        var (metrics, _) = Evaluator.ScoreCases(pop, cases, 3, new EvaluationOptions { Ks = [1, 2] });
        Assert.Equal(2, metrics.Users);
        Assert.Equal(0.0, metrics.At(1)!.Recall);
        Assert.Equal(0.5, metrics.At(2)!.Recall);
        Assert.Equal((0.5 + 1.0 / 3) / 2, metrics.Mrr, 12);
    }

    [Fact]
    public void Evaluate_ParallelAndSingleThread_GiveSameMetrics()
    {
        var events = PlantedData.Generate(users: 150, items: 120, events: 3000, seed: 2);
        var split = Splits.LeaveLastOut(new InteractionDataset(events, null, null));
        var one = Evaluator.Evaluate(new ItemKnn(20), split, new EvaluationOptions { Threads = 1 });
        var many = Evaluator.Evaluate(new ItemKnn(20), split, new EvaluationOptions { Threads = 4 });
        Assert.Equal(one.Metrics.At(10)!.Recall, many.Metrics.At(10)!.Recall, 12);
        Assert.Equal(one.Metrics.At(20)!.Ndcg, many.Metrics.At(20)!.Ndcg, 12);
        Assert.Equal(one.Metrics.At(20)!.Coverage, many.Metrics.At(20)!.Coverage);
    }

    [Fact]
    public void WriteAll_WritesMarkdownJsonAndFigures()
    {
        var events = PlantedData.Generate(users: 60, items: 80, events: 1200, seed: 4);
        var split = Splits.LeaveLastOut(new InteractionDataset(events, null, null));
        var models = new[] { Evaluator.Evaluate(new MostPopular(), split), Evaluator.Evaluate(new Ease(10), split) };
        var history = new TrainingHistory { Epochs = [new(1, 2.5, 2.7, 0.05), new(2, 2.1, 2.4, 0.08)] };
        string dir = Path.Combine(Path.GetTempPath(), "reco-eval-" + Guid.NewGuid().ToString("N"));
        try
        {
            var report = EvaluationReportWriter.WriteAll(dir, "planted", events, split, [10, 20], models, history);
            string md = File.ReadAllText(Path.Combine(dir, "report.md"));
            Assert.Contains("| MostPop | 10 |", md);
            Assert.Contains("| EASE | 20 |", md);
            using var json = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "report.json")));
            Assert.Equal(2, json.RootElement.GetProperty("models").GetArrayLength());
            Assert.Contains("training_loss.svg", report.Figures);
            Assert.Contains("event_mix.svg", report.Figures);
            foreach (var figure in report.Figures)
                System.Xml.Linq.XDocument.Load(Path.Combine(dir, figure));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void TrainingHistory_SaveLoad_RoundTrips()
    {
        var history = new TrainingHistory { RecallK = 20 };
        history.Add(new EpochRecord(1, 1.5, null, 0.1));
        string path = Path.GetTempFileName();
        try
        {
            history.Save(path);
            var loaded = TrainingHistory.Load(path);
            Assert.Equal(20, loaded.RecallK);
            Assert.Equal(history.Epochs, loaded.Epochs);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
