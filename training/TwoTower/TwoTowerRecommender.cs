using OrleansReco.Core.Data;
using OrleansReco.Core.Evaluation;
using OrleansReco.Core.Model;

namespace OrleansReco.Training.TwoTower;

/// <summary>
/// The two-tower model as an <see cref="IRecommender"/>, so that <c>reco evaluate</c> ranks it beside the
/// baselines on the same split. <see cref="Fit"/> trains in TorchSharp and exports a bundle; scoring then runs
/// the plain C# forward pass of the bundle (as serving does), so the evaluation measures what is deployed.
/// </summary>
public sealed class TwoTowerRecommender(TwoTowerOptions? options = null, TextWriter? log = null) : IRecommender
{
    private readonly TwoTowerOptions _options = options ?? new TwoTowerOptions();
    private BundleRecommender? _scorer;

    public string Name => "TwoTower";

    /// <summary>Per-epoch curves of the last <see cref="Fit"/>.</summary>
    public TrainingHistory? History { get; private set; }

    /// <summary>The bundle exported by the last <see cref="Fit"/>.</summary>
    public ModelBundle? Bundle { get; private set; }

    public void Fit(InteractionDataset train, IReadOnlyList<string> catalog)
    {
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(catalog);
        using (var trainer = new TwoTowerTrainer(train, _options, catalog, log))
        {
            History = trainer.Train();
            Bundle = trainer.ExportBundle();
        }
        _scorer = new BundleRecommender(new TwoTowerModel(Bundle), catalog, train.Items, train.Users, Name);
    }

    public void Score(string userId, IReadOnlyList<Interaction> history, Span<float> scores) =>
        (_scorer ?? throw new InvalidOperationException("Fit the model before scoring.")).Score(userId, history, scores);
}
