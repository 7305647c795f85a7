using OrleansReco.Core.Data;

namespace OrleansReco.Core.Model;

/// <summary>
/// Which of a bundle's feature columns the supplied data lacks. A tower fed without a feature it was trained with
/// embeds from what is left (the id and the other features), which silently loses quality; callers use this to
/// refuse such input, or to report it.
/// </summary>
public static class FeatureCoverage
{
    /// <summary>The tower's feature columns that <paramref name="table"/> does not have (all of them when it is null).</summary>
    public static IReadOnlyList<string> MissingColumns(TowerSpec tower, FeatureTable? table)
    {
        ArgumentNullException.ThrowIfNull(tower);
        var missing = new List<string>();
        foreach (var f in tower.Features)
            if (table is null || table.ColumnIndex(f.Name) < 0) missing.Add(f.Name);
        return missing;
    }

    /// <summary>True when <paramref name="features"/> (column name → value) lacks a value for any of the tower's features.</summary>
    public static bool LacksAny(TowerSpec tower, IReadOnlyDictionary<string, string>? features)
    {
        ArgumentNullException.ThrowIfNull(tower);
        foreach (var f in tower.Features)
            if (features is null || !features.TryGetValue(f.Name, out var value) || string.IsNullOrWhiteSpace(value)) return true;
        return false;
    }

    /// <summary>The tower's feature columns as <c>name (kind)</c>, comma-separated, for messages.</summary>
    public static string Describe(TowerSpec tower) =>
        string.Join(", ", tower.Features.Select(f => $"{f.Name} ({f.Kind.ToString().ToLowerInvariant()})"));
}
