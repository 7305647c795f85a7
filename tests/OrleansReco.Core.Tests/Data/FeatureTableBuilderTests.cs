using OrleansReco.Core.Data;

namespace OrleansReco.Core.Tests.Data;

public sealed class FeatureTableBuilderTests
{
    private static Dictionary<string, string> D(params (string Name, string Value)[] pairs) => pairs.ToDictionary(p => p.Name, p => p.Value);

    [Fact]
    public void Build_KeepsFirstRowPerKey_SkipsBlankKeys_OrdersColumns_AndMapsEmptyToMissing()
    {
        var builder = new FeatureTableBuilder("item_id");
        builder.Add("a", D(("title", "Red shoes"), ("price", "10")));
        builder.Add(" ", D(("title", "ignored")));
        builder.Add("b", null);
        builder.Add("a", D(("title", "second a")));
        builder.Add("c", D(("price", ""), ("brand", "acme"), ("item_id", "c")));
        var table = builder.Build()!;

        Assert.Equal(["a", "b", "c"], table.Keys);
        Assert.Equal(["brand", "price", "title"], table.Columns.Select(c => c.Name));
        Assert.Equal([null, "10", "Red shoes"], table.Row(0));
        Assert.Equal([null, null, null], table.Row(1));
        Assert.Equal(["acme", null, null], table.Row(2));
        Assert.Equal(FeatureKind.Numeric, table.Columns[1].Kind);
        Assert.Equal("acme", table.Value(2, 0));
        Assert.Equal(2, table.IndexOf("c"));
        Assert.Equal(-1, table.IndexOf("zz"));
        Assert.True(table.TryGetRow("a", out var a));
        Assert.Equal("Red shoes", a[2]);
    }

    [Fact]
    public void Build_WithoutAnyFeature_IsNull_AndDeclaredKindsWin()
    {
        var empty = new FeatureTableBuilder("user_id");
        empty.Add("u1", null);
        Assert.Null(empty.Build());

        var builder = new FeatureTableBuilder("user_id");
        builder.Add("u1", D(("zip", "12345")));
        builder.Add("u2", D(("zip", "99999")));
        Assert.Equal(FeatureKind.Categorical, builder.Build()!.Columns[0].Kind);
        Assert.Equal(FeatureKind.Numeric, builder.Build(new Dictionary<string, FeatureKind> { ["zip"] = FeatureKind.Numeric })!.Columns[0].Kind);
    }

    [Fact]
    public void FromDictionaries_MatchesTheBuilder()
    {
        var entities = Enumerable.Range(0, 50).Select(i => ($"k{i % 40}", (IReadOnlyDictionary<string, string>?)(i % 7 == 0 ? null : D(("n", $"{i}"), ("c", $"v{i % 3}"))))).ToList();
        var builder = new FeatureTableBuilder("id");
        foreach (var (k, f) in entities) builder.Add(k, f);
        var built = builder.Build()!;
        var table = FeatureTables.FromDictionaries("id", entities)!;
        Assert.Equal(built.Keys, table.Keys);
        Assert.Equal(built.Columns, table.Columns);
        for (int r = 0; r < table.Count; r++) Assert.Equal(built.Row(r), table.Row(r));
    }

    [Fact]
    public void Table_RefusesValuesThatDoNotFillItsRows()
    {
        var error = Assert.Throws<ArgumentException>(() =>
            new FeatureTable("id", [new FeatureColumn("a", FeatureKind.Categorical), new FeatureColumn("b", FeatureKind.Categorical)], ["x", "y"], new string?[3]));
        Assert.Contains("need 4 values", error.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() =>
            new FeatureTable("id", [new FeatureColumn("a", FeatureKind.Categorical)], ["x"], new string?[1]).Value(0, 1));
    }
}
