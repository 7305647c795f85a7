using OrleansReco.Core.Data;
using OrleansReco.Core.Data.Readers;

namespace OrleansReco.Core.Tests.Data;

public sealed class BadInputTests
{
    private static DataFormatException LoadFails(string name, string text, string? users = null, string? items = null, string? schema = null)
    {
        using var folder = new TempFolder();
        var sources = new DatasetSources(
            folder.Write(name, text),
            users is null ? null : folder.Write("users.csv", users),
            items is null ? null : folder.Write("items.csv", items),
            schema is null ? null : folder.Write("schema.json", schema));
        return Assert.Throws<DataFormatException>(() => DatasetLoader.Load(sources));
    }

    private static void AssertLocation(DataFormatException error, string file, long? line, string? field)
    {
        Assert.Equal(file, error.File);
        Assert.Equal(line, error.Line);
        Assert.Equal(field, error.Field);
        Assert.StartsWith(file, error.Message, StringComparison.Ordinal);
        if (line is not null) Assert.Contains($" line {line}", error.Message, StringComparison.Ordinal);
        if (field is not null) Assert.Contains($"'{field}'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_ThrowsForEmptyFile()
    {
        var error = LoadFails("events.csv", "");
        AssertLocation(error, "events.csv", null, null);
        Assert.Contains("the file is empty", error.Message);
    }

    [Theory]
    [InlineData("users.csv", "the file is empty; expected a header line with user_id")]
    [InlineData("u.user", "the file is empty")]
    [InlineData("users.dat", "the file is empty")]
    [InlineData("users.parquet", "the file is empty")]
    public void Load_ThrowsForEmptyUsersFile(string name, string problem)
    {
        using var folder = new TempFolder();
        string blank = name.EndsWith(".parquet", StringComparison.Ordinal) ? "" : "\n\n";
        var sources = new DatasetSources(folder.Write("events.csv", "user_id,item_id\nu,i\n"), Users: folder.Write(name, blank));
        var error = Assert.Throws<DataFormatException>(() => DatasetLoader.Load(sources));
        AssertLocation(error, name, null, null);
        Assert.Contains(problem, error.Message);
    }

    [Fact]
    public void Load_ThrowsForHeaderWithoutRows()
    {
        var error = LoadFails("events.csv", "user_id,item_id\n");
        AssertLocation(error, "events.csv", null, null);
        Assert.Contains("no rows", error.Message);
    }

    [Theory]
    [InlineData("item_id,rating\n1,2\n", "user_id")]
    [InlineData("user_id,rating\n1,2\n", "item_id")]
    public void Load_ThrowsForMissingIdColumn(string text, string missing)
    {
        var error = LoadFails("events.csv", text);
        AssertLocation(error, "events.csv", 1, missing);
        Assert.Contains("required column missing", error.Message);
    }

    [Fact]
    public void Load_ThrowsForUnknownColumn_ListingKnownOnes()
    {
        var error = LoadFails("events.csv", "user_id,item_id,colour\nu,i,red\n");
        AssertLocation(error, "events.csv", 1, "colour");
        Assert.Contains("unknown column", error.Message);
        Assert.Contains("user_id, item_id, event_type, rating (or value), timestamp, event_id", error.Message);
    }

    [Theory]
    [InlineData("user_id,item_id,user_id\nu,i,u\n", "user_id")]
    [InlineData("user_id,item_id,userId\nu,i,u\n", "userId")]
    public void Load_ThrowsForDuplicateHeader(string text, string field)
    {
        var error = LoadFails("events.csv", text);
        AssertLocation(error, "events.csv", 1, field);
        Assert.Contains("duplicate header: column 3 repeats column 1", error.Message);
    }

    [Fact]
    public void Load_ThrowsForDuplicateHeaderInFeatureTable()
    {
        var error = LoadFails("events.csv", "user_id,item_id\nu,i\n", items: "item_id,colour,colour\ni,red,blue\n");
        AssertLocation(error, "items.csv", 1, "colour");
        Assert.Contains("duplicate header", error.Message);
    }

    [Fact]
    public void Load_ThrowsForRatingThatIsNotANumber()
    {
        var error = LoadFails("ratings.csv", "user_id,item_id,rating\nu,i,4\nu,j,four\n");
        Assert.Equal("ratings.csv line 3, field 'rating': 'four' is not a number", error.Message);
    }

    [Fact]
    public void Load_ThrowsForMissingFields_NamingTheFirstMissing()
    {
        var error = LoadFails("events.csv", "user_id,item_id,event_type,timestamp\nu,i,view,1\nu,i\n");
        AssertLocation(error, "events.csv", 3, "event_type");
        Assert.Contains("the row has 2 fields but the header has 4", error.Message);
    }

    [Fact]
    public void Load_ThrowsForExtraFields()
    {
        var error = LoadFails("events.csv", "user_id,item_id\nu,i,extra\n");
        AssertLocation(error, "events.csv", 2, null);
        Assert.Contains("the row has 3 fields but the header has 2", error.Message);
    }

    [Fact]
    public void Load_ThrowsForEmptyUserId()
    {
        var error = LoadFails("events.csv", "user_id,item_id\nu,i\n  ,i\n");
        AssertLocation(error, "events.csv", 3, "user_id");
        Assert.Contains("the user id is empty", error.Message);
    }

    [Fact]
    public void Load_ThrowsForRatingEventWithoutRating()
    {
        var error = LoadFails("events.csv", "user_id,item_id,event_type,rating\nu,i,view,\nu,i,rating,\n");
        AssertLocation(error, "events.csv", 3, "rating");
        Assert.Contains("a rating event needs a rating", error.Message);
    }

    [Fact]
    public void Load_ThrowsForUnclosedQuote()
    {
        var error = LoadFails("events.csv", "user_id,item_id\nu,i\nu,\"open\n");
        AssertLocation(error, "events.csv", 3, null);
        Assert.Contains("quoted field is not closed", error.Message);
    }

    [Fact]
    public void Load_ThrowsForDuplicateUserIdInFeatureTable()
    {
        var error = LoadFails("events.csv", "user_id,item_id\nu1,i\n", users: "user_id,age\nu1,30\nu2,40\nu1,50\n");
        Assert.Equal("users.csv line 4, field 'user_id': 'u1' appears twice; ids must be unique", error.Message);
    }

    [Fact]
    public void Load_ThrowsForDuplicateItemIdInFeatureTable()
    {
        var error = LoadFails("events.csv", "user_id,item_id\nu1,i\n", items: "item_id,colour\ni,red\ni,blue\n");
        AssertLocation(error, "items.csv", 3, "item_id");
        Assert.Contains("'i' appears twice", error.Message);
    }

    [Fact]
    public void Load_ThrowsForFeatureTableWithoutKeyColumn()
    {
        var error = LoadFails("events.csv", "user_id,item_id\nu1,i\n", users: "name,age\nann,30\n");
        AssertLocation(error, "users.csv", 1, "user_id");
        Assert.Contains("required column missing; the header has name, age", error.Message);
    }

    [Fact]
    public void Load_ThrowsForSchemaColumnNotInFile()
    {
        var error = LoadFails("events.csv", "user_id,item_id\nu1,i\n",
            items: "item_id,title,price\ni,Hat,3\n",
            schema: """{ "items": { "titel": "text" } }""");
        AssertLocation(error, "schema.json", null, "items.titel");
        Assert.Contains("items.csv does not have", error.Message);
        Assert.Contains("title, price", error.Message);
    }

    [Fact]
    public void Load_ThrowsForUnknownKindInSchema()
    {
        var error = LoadFails("events.csv", "user_id,item_id\nu1,i\n", schema: """{ "items": { "title": "prose" } }""");
        AssertLocation(error, "schema.json", null, "items.title");
        Assert.Contains("use numeric, categorical, multi or text", error.Message);
    }

    [Fact]
    public void Load_ThrowsForSchemaThatIsNotJson()
    {
        var error = LoadFails("events.csv", "user_id,item_id\nu1,i\n", schema: "{\n  \"items\": {\n    \"title\": text\n  }\n}");
        Assert.Equal("schema.json", error.File);
        Assert.Equal(3, error.Line);
        Assert.Contains("not valid JSON", error.Message);
    }

    [Fact]
    public void Load_ThrowsForNonNumberInDeclaredNumericColumn()
    {
        var error = LoadFails("events.csv", "user_id,item_id\nu1,i\n",
            items: "item_id,price\na,3\nb,cheap\n", schema: """{ "items": { "price": "numeric" } }""");
        Assert.Equal("items.csv line 3, field 'price': 'cheap' is not a number (the column is numeric)", error.Message);
    }

    [Fact]
    public void Load_ThrowsForParquetExtensionOnTextFile()
    {
        var error = LoadFails("events.parquet", "user_id,item_id\nu,i\n");
        AssertLocation(error, "events.parquet", null, null);
        Assert.Contains("not a Parquet file", error.Message);
    }

    [Fact]
    public void Load_ThrowsFileNotFoundForMissingFile()
    {
        var error = Assert.Throws<FileNotFoundException>(() => DatasetLoader.Load(new DatasetSources("/nonexistent/events.csv")));
        Assert.Contains("interactions file '/nonexistent/events.csv' does not exist", error.Message);
    }

    [Fact]
    public void Load_SkipBadRows_CountsAndReportsThem()
    {
        using var folder = new TempFolder();
        string events = folder.Write("ratings.csv",
            "user_id,item_id,rating,timestamp\n" +
            "u1,i1,4,100\n" +
            "u1,i2,4,12x\n" +
            "u2,i1,abc,100\n" +
            "u2\n" +
            ",i3,1,100\n" +
            "u3,i3,5,2024-01-01\n");
        var result = DatasetLoader.Load(new DatasetSources(events), new LoadOptions { SkipBadRows = true, MaxErrorsKept = 2 });
        Assert.Equal(2, result.Dataset.Interactions.Count);
        var report = result.Report.Files[0];
        Assert.Equal(4, report.BadRows);
        Assert.Equal(4, result.Report.BadRows);
        Assert.Equal(2, report.Rows);
        Assert.Equal(
            ["ratings.csv line 3, field 'timestamp': '12x' is not a unix time or ISO 8601 date", "ratings.csv line 4, field 'rating': 'abc' is not a number"],
            report.Errors);
        Assert.Contains(result.Report.Describe(), line => line.Contains("4 bad rows skipped", StringComparison.Ordinal));
    }

    [Fact]
    public void Load_SkipBadRows_DropsDuplicateFeatureRows()
    {
        using var folder = new TempFolder();
        var result = DatasetLoader.Load(
            new DatasetSources(folder.Write("events.csv", "user_id,item_id\nu1,a\n"), Items: folder.Write("items.csv", "item_id,colour\na,red\na,blue\nb,green\n")),
            new LoadOptions { SkipBadRows = true });
        var items = result.Dataset.Items!;
        Assert.Equal(["a", "b"], items.Keys);
        Assert.True(items.TryGetRow("a", out var row));
        Assert.Equal("red", row[0]);
        Assert.Equal(1, result.Report.Files[1].BadRows);
    }
}
