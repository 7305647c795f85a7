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
