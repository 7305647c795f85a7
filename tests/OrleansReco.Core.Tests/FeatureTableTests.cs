using OrleansReco.Core.Data;

namespace OrleansReco.Core.Tests;

public sealed class FeatureTableTests
{
    private static readonly FeatureColumn[] Columns = [new("category", FeatureKind.Categorical), new("price", FeatureKind.Numeric)];

    [Fact]
    public void TryGetRow_FindsRowsByKey()
    {
        var table = new FeatureTable("item_id", Columns, ["a", "b"], [["shoes", "10"], ["hats", null]]);
        Assert.True(table.TryGetRow("b", out var row));
        Assert.Equal("hats", row[0]);
        Assert.Null(row[1]);
        Assert.False(table.TryGetRow("zzz", out _));
        Assert.Equal(1, table.ColumnIndex("price"));
        Assert.Equal(-1, table.ColumnIndex("brand"));
    }

    [Fact]
    public void Constructor_ThrowsForDuplicateKey()
    {
        var error = Assert.Throws<ArgumentException>(() => new FeatureTable("item_id", Columns, ["a", "a"], [["x", "1"], ["y", "2"]]));
        Assert.Contains("Duplicate item_id 'a'", error.Message);
    }

    [Fact]
    public void Constructor_ThrowsForRaggedRow()
    {
        var error = Assert.Throws<ArgumentException>(() => new FeatureTable("item_id", Columns, ["a"], [["x"]]));
        Assert.Contains("has 1 values for 2 columns", error.Message);
    }
}

public sealed class FeatureTablesTests
{
    [Fact]
    public void FromDictionaries_ColumnsInOrdinalOrder_KindsDeclaredOrInferred_FirstRowWins()
    {
        var table = FeatureTables.FromDictionaries("item_id",
        [
            ("a", new Dictionary<string, string> { ["price"] = "3.5", ["title"] = "قميص قطني أزرق للرجال", ["brand"] = "x" }),
            ("b", new Dictionary<string, string> { ["price"] = "7", ["brand"] = "" }),
            ("a", new Dictionary<string, string> { ["price"] = "99" }),
            ("c", null),
        ], new Dictionary<string, FeatureKind> { ["brand"] = FeatureKind.MultiCategorical })!;

        Assert.Equal(["brand", "price", "title"], table.Columns.Select(c => c.Name));
        Assert.Equal([FeatureKind.MultiCategorical, FeatureKind.Numeric, FeatureKind.Text], table.Columns.Select(c => c.Kind));
        Assert.Equal(["a", "b", "c"], table.Keys);
        Assert.True(table.TryGetRow("a", out var a));
        Assert.Equal("3.5", a[1]);
        Assert.True(table.TryGetRow("b", out var b));
        Assert.Null(b[0]);
        Assert.True(table.TryGetRow("c", out var c));
        Assert.All(c, Assert.Null);
    }

    [Fact]
    public void FromDictionaries_NoFeatures_Null() =>
        Assert.Null(FeatureTables.FromDictionaries("user_id", [("u", null), ("v", new Dictionary<string, string>())]));
}
