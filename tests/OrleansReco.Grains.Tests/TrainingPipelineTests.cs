using OrleansReco.Core.Data;
using OrleansReco.GrainInterfaces;
using OrleansReco.Trainer;

namespace OrleansReco.Grains.Tests;

/// <summary>The run's decisions that need no cluster: too little data is skipped, not trained.</summary>
public sealed class TrainingPipelineTests
{
    private static readonly TrainerOptions Options = new() { MinEvents = 100, MinEvaluationUsers = 5 };

    [Fact]
    public void Run_FewerEventsThanMinimum_IsSkippedWithTheSettingNamed()
    {
        var events = Enumerable.Range(0, 50).Select(i => new Interaction($"u{i % 5}", $"i{i}", "view", 1, 1_700_000_000 + i)).ToList();

        var outcome = TrainingPipeline.Run(new TrainingInputs(events, null, null, []), null, Options, null, "v");

        Assert.Equal(TrainingRunState.Skipped, outcome.State);
        Assert.Contains("Reco:Trainer:MinEvents", outcome.Reason);
        Assert.Null(outcome.Candidate);
        Assert.Equal(50, outcome.Metrics["events"]);
    }

    [Fact]
    public void Run_TooFewHeldOutUsers_IsSkipped()
    {
        // 200 events of one user: the newest tenth holds out a single user, fewer than the gate needs.
        var events = Enumerable.Range(0, 200).Select(i => new Interaction("only", $"i{i}", "view", 1, 1_700_000_000 + i)).ToList();

        var outcome = TrainingPipeline.Run(new TrainingInputs(events, null, null, []), null, Options, null, "v");

        Assert.Equal(TrainingRunState.Skipped, outcome.State);
        Assert.Contains("Reco:Trainer:MinEvaluationUsers", outcome.Reason);
        Assert.Equal(1, outcome.Metrics["holdoutUsers"]);
    }
}
