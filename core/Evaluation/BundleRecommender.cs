using OrleansReco.Core.Data;
using OrleansReco.Core.Model;

namespace OrleansReco.Core.Evaluation;

/// <summary>
/// A trained model bundle as an <see cref="IRecommender"/>: scores the whole catalog with the plain C# forward
/// pass, as serving does. <see cref="Fit"/> does nothing (the bundle is already trained); the catalog order and the
/// feature tables are fixed at construction.
/// </summary>
public sealed class BundleRecommender : IRecommender
{
    private readonly TwoTowerModel _model;
    private readonly CatalogRanker _ranker;
    private readonly FeatureTable? _users;
    private readonly int[] _userColumns;

    public BundleRecommender(TwoTowerModel model, IReadOnlyList<string> catalog, FeatureTable? items, FeatureTable? users, string name = "TwoTower")
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(catalog);
        _model = model;
        _ranker = new CatalogRanker(model, catalog, items);
        if (_ranker.ItemIds.Count != catalog.Count)
            throw new ArgumentException("The catalog lists an item more than once.", nameof(catalog));
        _users = users;
        _userColumns = model.Header.User.MapColumns(users);
        Name = name;
    }

    public string Name { get; }

    public void Fit(InteractionDataset train, IReadOnlyList<string> catalog) { }

    public void Score(string userId, IReadOnlyList<Interaction> history, Span<float> scores)
    {
        IReadOnlyList<string?>? profile = _users is not null && _users.TryGetRow(userId, out var values) ? values : null;
        Span<float> user = stackalloc float[_model.Dimension];
        _model.EmbedUser(profile, profile is null ? default : _userColumns, history, long.MaxValue, user);
        _ranker.Score(user, scores);
    }
}
