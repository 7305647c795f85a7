using OrleansReco.Core.Data;

namespace OrleansReco.Core.Model;

/// <summary>Turns features keyed by column name into the row order a tower expects.</summary>
public static class FeatureRows
{
    /// <summary>Values of <paramref name="features"/> in <paramref name="columns"/> order (missing: null); null when there are none.</summary>
    public static string?[]? ToRow(IReadOnlyList<FeatureColumn> columns, IReadOnlyDictionary<string, string>? features)
    {
        if (features is null || features.Count == 0 || columns.Count == 0) return null;
        var row = new string?[columns.Count];
        for (int i = 0; i < row.Length; i++)
            row[i] = features.TryGetValue(columns[i].Name, out var value) ? value : null;
        return row;
    }
}
