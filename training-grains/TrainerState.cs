using OrleansReco.GrainInterfaces;

namespace OrleansReco.Trainer;

/// <summary>The trainer's persisted record: the most recent runs (oldest first) and the run counter.</summary>
[GenerateSerializer, Alias("reco.TrainerState")]
public sealed class TrainerState
{
    [Id(0)] public List<TrainingRunInfo> Runs { get; set; } = [];
    [Id(1)] public int RunCount { get; set; }
}
