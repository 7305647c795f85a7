using System.Text.Json;

namespace OrleansReco.Core.Evaluation;

/// <summary>
/// One training epoch: mean training loss, validation loss and Recall@K when measured, and (from the trainer)
/// throughput, duration and the learning rate at the epoch's end.
/// </summary>
public sealed record EpochRecord(
    int Epoch,
    double TrainLoss,
    double? ValidationLoss,
    double? ValidationRecall,
    double ExamplesPerSecond = 0,
    double Seconds = 0,
    double LearningRate = 0);

/// <summary>
/// Per-epoch curves of a training run, filled by the training loop and plotted by the report.
/// Saved as JSON: <c>{"recallK":10,"epochs":[{"epoch":1,"trainLoss":...,"validationLoss":...,"validationRecall":...}]}</c>.
/// </summary>
public sealed class TrainingHistory
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    /// <summary>The K of <see cref="EpochRecord.ValidationRecall"/>.</summary>
    public int RecallK { get; set; } = 10;

    public List<EpochRecord> Epochs { get; init; } = [];

    /// <summary>Epoch (1-based) whose weights were kept: the best validation recall, or the last without validation.</summary>
    public int BestEpoch { get; set; }
    public double? BestValidationRecall { get; set; }
    public int TrainExamples { get; set; }
    public int ValidationExamples { get; set; }
    public long Steps { get; set; }
    public double Seconds { get; set; }

    public void Add(EpochRecord epoch) => Epochs.Add(epoch);

    public void Save(string path) => File.WriteAllText(path, JsonSerializer.Serialize(this, Json));

    /// <exception cref="InvalidDataException">The file is not a training history.</exception>
    public static TrainingHistory Load(string path)
    {
        try
        {
            return JsonSerializer.Deserialize<TrainingHistory>(File.ReadAllText(path), Json)
                ?? throw new InvalidDataException($"{path}: empty training history.");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: not a training history ({e.Message}).", e);
        }
    }
}
