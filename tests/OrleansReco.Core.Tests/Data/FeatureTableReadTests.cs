using OrleansReco.Core.Data;
using OrleansReco.Core.Data.Readers;

namespace OrleansReco.Core.Tests.Data;

public sealed class FeatureTableReadTests
{
    private const string Events = "user_id,item_id\nu1,i1\n";

    private static LoadResult LoadItems(TempFolder folder, string items, string? schema = null) =>
        DatasetLoader.Load(new DatasetSources(
            folder.Write("events.csv", Events),
            Items: folder.Write("items.csv", items),
            Schema: schema is null ? null : folder.Write("schema.json", schema)));

    private static FeatureKind KindOf(FeatureTable table, string column) => table.Columns[table.ColumnIndex(column)].Kind;

    [Fact]
    public void Load_ItemsCsv_InfersEachKind()
    {
        using var folder = new TempFolder();
        var items = LoadItems(folder,
            "item_id,price,brand,genres,description,brand_code,colour\n" +
            "i1,9.99,acme,Action|Comedy,\"A long, winding description of a hat\",17,red\n" +
            "i2,12,zenith,Drama,Shoes that walk by themselves at night,17,blue\n" +
            "i3,-3.5e2,acme,Comedy|Drama|War,\"Plain \"\"socks\"\", nothing more to say\",42,\n").Dataset.Items!;
        Assert.Equal("item_id", items.KeyColumn);
        Assert.Equal(["i1", "i2", "i3"], items.Keys);
        Assert.Equal(FeatureKind.Numeric, KindOf(items, "price"));
        Assert.Equal(FeatureKind.Categorical, KindOf(items, "brand"));
        Assert.Equal(FeatureKind.MultiCategorical, KindOf(items, "genres"));
        Assert.Equal(FeatureKind.Text, KindOf(items, "description"));
        Assert.Equal(FeatureKind.Categorical, KindOf(items, "brand_code"));
        Assert.Equal(FeatureKind.Categorical, KindOf(items, "colour"));
        Assert.True(items.TryGetRow("i3", out var row));
        Assert.Equal("Plain \"socks\", nothing more to say", row[items.ColumnIndex("description")]);
        Assert.Null(row[items.ColumnIndex("colour")]);
    }

    [Theory]
    [InlineData(new[] { "1", "2.5", "-7", "1e3" }, "weight", FeatureKind.Numeric)]
    [InlineData(new[] { "1", "2", "3", "4" }, "store_id", FeatureKind.Categorical)]
    [InlineData(new[] { "1", "2", "3", "4" }, "zip", FeatureKind.Categorical)]
    [InlineData(new[] { "red", "blue", "red", "green" }, "colour", FeatureKind.Categorical)]
    [InlineData(new[] { "a|b", "c", "b|c", "a" }, "tags", FeatureKind.MultiCategorical)]
    [InlineData(new[] { "Hat", "Shoe", "Sock", "Coat" }, "title", FeatureKind.Text)]
    [InlineData(new[] { "a warm wool hat for winter", "light running shoes for summer", "socks", "a coat with many pockets" }, "about", FeatureKind.Text)]
    [InlineData(new string?[] { null, null }, "empty", FeatureKind.Categorical)]
    public void Infer_Values_GiveKind(string?[] values, string name, FeatureKind expected) =>
        Assert.Equal(expected, FeatureInference.Infer(name, values));

    [Fact]
    public void Load_SchemaKind_OverridesInference()
    {
        using var folder = new TempFolder();
        var items = LoadItems(folder,
            "item_id,size,title,tags\ni1,1,Hat,a|b\ni2,2,Shoe,c\n",
            """{ "items": { "size": "categorical", "title": "categorical", "tags": "text" } }""").Dataset.Items!;
        Assert.Equal(FeatureKind.Categorical, KindOf(items, "size"));
        Assert.Equal(FeatureKind.Categorical, KindOf(items, "title"));
        Assert.Equal(FeatureKind.Text, KindOf(items, "tags"));
    }

    [Fact]
    public void Load_UsersCsv_ReadsUserFeatures()
    {
        using var folder = new TempFolder();
        var result = DatasetLoader.Load(new DatasetSources(
            folder.Write("events.csv", "user_id,item_id\nu1,i1\nu9,i1\n"),
            Users: folder.Write("users.csv", "user_id,age,country\nu1,34,FR\nu2,,DE\n")));
        var users = result.Dataset.Users!;
        Assert.Equal("user_id", users.KeyColumn);
        Assert.Equal([new FeatureColumn("age", FeatureKind.Numeric), new FeatureColumn("country", FeatureKind.Categorical)], users.Columns);
        Assert.True(users.TryGetRow("u2", out var row));
        Assert.Null(row[0]);
        Assert.Contains(result.Report.Describe(), line => line.Contains("1 users in the interactions are not in this table (e.g. 'u9')", StringComparison.Ordinal));
    }

    [Fact]
    public void Load_ArabicText_Survives()
    {
        using var folder = new TempFolder();
        var items = LoadItems(folder,
            "item_id,title,category\n" +
            "كتاب-1,\"ألف ليلة وليلة، الجزء الأول\",أدب\n" +
            "كتاب-2,مقدمة ابن خلدون,تاريخ\n").Dataset.Items!;
        Assert.True(items.TryGetRow("كتاب-1", out var row));
        Assert.Equal("ألف ليلة وليلة، الجزء الأول", row[items.ColumnIndex("title")]);
        Assert.Equal("أدب", row[items.ColumnIndex("category")]);
        Assert.Equal(FeatureKind.Text, KindOf(items, "title"));
    }
}
