using OrleansReco.Core.Data;

namespace OrleansReco.Core.Evaluation;

/// <summary>
/// A model that can be fitted on training events and then score the whole catalog for a user.
/// Implemented by the baselines (MostPop, ItemKNN, EASE) in core and by the two-tower model in training,
/// so that <c>reco evaluate</c> ranks them all on the same split.
/// </summary>
public interface IRecommender
{
    /// <summary>Short name used in reports (e.g. <c>MostPop</c>, <c>EASE</c>, <c>TwoTower</c>).</summary>
    string Name { get; }

    /// <summary>Fits the model. <paramref name="catalog"/> fixes the item order used by <see cref="Score"/>.</summary>
    void Fit(InteractionDataset train, IReadOnlyList<string> catalog);

    /// <summary>
    /// Writes a score for every catalog item (in the order given to <see cref="Fit"/>) into
    /// <paramref name="scores"/>; higher is better. <paramref name="history"/> is the user's events known at
    /// query time, oldest first (it may include events after training, and may be empty for a new user).
    /// </summary>
    void Score(string userId, IReadOnlyList<Interaction> history, Span<float> scores);
}
