using OrleansReco.Core.Data;

namespace OrleansReco.Core.Evaluation.Baselines;

/// <summary>Ranks every user's catalog by the number of training users who interacted with each item.</summary>
public sealed class MostPopular : IRecommender
{
    private float[] _popularity = [];

    public string Name => "MostPop";

    public void Fit(InteractionDataset train, IReadOnlyList<string> catalog)
    {
        ArgumentNullException.ThrowIfNull(train);
        var matrix = InteractionMatrix.Build(train.Interactions, new ItemIndex(catalog));
        _popularity = Array.ConvertAll(matrix.ItemCounts(), c => (float)c);
    }

    public void Score(string userId, IReadOnlyList<Interaction> history, Span<float> scores)
    {
        if (scores.Length != _popularity.Length)
            throw new ArgumentException($"Scores span has {scores.Length} slots for a catalog of {_popularity.Length}; was Fit called?", nameof(scores));
        _popularity.CopyTo(scores);
    }
}
