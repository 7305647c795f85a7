using System.Buffers;
using System.Numerics.Tensors;
using OrleansReco.Core.Data;

namespace OrleansReco.Core.Evaluation;

/// <summary>
/// The mean of fitted models' scores: the ensemble of one model trained once per seed. For two-tower models, whose
/// scores are dot products of unit vectors, the mean of K scores is the dot product of the K towers' vectors laid end
/// to end and scaled by 1/√K, so the ensemble is itself a two-tower model of dimension K·d that the same index could
/// serve (at K times the vector size and refresh cost). Fitting does nothing: the models come fitted.
/// </summary>
public sealed class ScoreMean(string name, IReadOnlyList<IRecommender> fitted) : IRecommender
{
    private readonly IRecommender[] _models = fitted.Count >= 2 ? [.. fitted]
        : throw new ArgumentException($"An ensemble needs at least two models, not {fitted.Count}.", nameof(fitted));

    public string Name => name;

    public void Fit(InteractionDataset train, IReadOnlyList<string> catalog)
    {
        // The members were fitted on the same split before.
    }

    public void Score(string userId, IReadOnlyList<Interaction> history, Span<float> scores)
    {
        var one = ArrayPool<float>.Shared.Rent(scores.Length);
        try
        {
            var member = one.AsSpan(0, scores.Length);
            _models[0].Score(userId, history, scores);
            for (int m = 1; m < _models.Length; m++)
            {
                _models[m].Score(userId, history, member);
                TensorPrimitives.Add(scores, member, scores);
            }
            TensorPrimitives.Multiply(scores, 1f / _models.Length, scores);
        }
        finally
        {
            ArrayPool<float>.Shared.Return(one);
        }
    }
}
