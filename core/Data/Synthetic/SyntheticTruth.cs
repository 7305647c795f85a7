namespace OrleansReco.Core.Data.Synthetic;

/// <summary>
/// The planted structure behind a generated dataset, for tests and for an oracle upper bound in evaluations.
/// Users and items are indexed in the row order of the generated feature tables; vectors are row-major
/// <c>count × <see cref="Dimension"/></c>. A user's choices follow the softmax of
/// <c>TasteStrength · (taste + drift + session intent + 0.25 · previous item) · item + log popularity</c>.
/// </summary>
public sealed record SyntheticTruth(
    int Dimension,
    int[] UserCluster,
    int[] UserSecondCluster,
    float[] UserTaste,
    float[] ItemVectors,
    double[] ItemPopularity,
    int[] EventsPerUser);
