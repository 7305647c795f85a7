namespace OrleansReco.Core.Data.Synthetic;

/// <summary>
/// The planted structure behind a generated dataset, for tests and for an oracle upper bound in evaluations.
/// Users and items are indexed in the row order of the generated feature tables; vectors are row-major
/// <c>count × <see cref="Dimension"/></c>. A user's choices follow the softmax of
/// <c>TasteStrength · (taste + drift + session intent + 0.5 · previous item in the session) · item + log popularity</c>,
/// with items the user has already seen weighted by 0.2.
/// </summary>
public sealed record SyntheticTruth(
    int Dimension,
    int[] UserCluster,
    int[] UserSecondCluster,
    float[] UserTaste,
    float[] ItemVectors,
    double[] ItemPopularity,
    int[] EventsPerUser);
