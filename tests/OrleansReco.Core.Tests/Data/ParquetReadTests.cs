using OrleansReco.Core.Data;
using OrleansReco.Core.Data.Readers;
using Parquet;
using Parquet.Schema;

namespace OrleansReco.Core.Tests.Data;

/// <summary>Parquet files shaped as other tools write them (integer ids, rating columns, timestamp types).</summary>
public sealed class ParquetReadTests
{
    private static async Task WriteAsync(string path, params (DataField Field, Func<ParquetRowGroupWriter, DataField, Task> Write)[] columns)
    {
        await using var stream = File.Create(path);
        await using var writer = await ParquetWriter.CreateAsync(new ParquetSchema(columns.Select(c => (Field)c.Field).ToArray()), stream);
        using var group = writer.CreateRowGroup();
        foreach (var (field, write) in columns) await write(group, field);
    }

    private static (DataField, Func<ParquetRowGroupWriter, DataField, Task>) Column<T>(string name, T[] values) where T : struct =>
        (new DataField<T>(name), (g, f) => g.WriteAsync<T>(f, values.AsMemory()));

    private static (DataField, Func<ParquetRowGroupWriter, DataField, Task>) NullableColumn<T>(string name, T?[] values) where T : struct =>
        (new DataField<T?>(name), (g, f) => g.WriteAsync<T>(f, values.AsMemory()));

    private static (DataField, Func<ParquetRowGroupWriter, DataField, Task>) Strings(string name, string?[] values) =>
        (new DataField<string>(name), (g, f) => g.WriteAsync(f, values!));

    [Fact]
    public async Task Load_ParquetWithIntegerIdsRatingsAndDateTimes_ReadsEvents()
    {
        using var folder = new TempFolder();
        string path = folder.File("ratings.parquet");
        await WriteAsync(path,
            Column("userId", new[] { 1, 2 }),
            Column("movieId", new[] { 10L, 20L }),
            Column("rating", new[] { 4.5, 3.0 }),
            Column("timestamp", new[] { new DateTime(2023, 11, 14, 22, 13, 20, DateTimeKind.Utc), new DateTime(2024, 1, 1, 0, 0, 0, DateTimeKind.Utc) }));
        var result = DatasetLoader.Load(new DatasetSources(path));
        Assert.Equal(
            [new Interaction("1", "10", EventTypes.Rating, 4.5f, 1_700_000_000), new Interaction("2", "20", EventTypes.Rating, 3f, 1_704_067_200)],
            result.Dataset.Interactions);
        Assert.Equal("parquet", result.Report.Files[0].Format);
    }

    [Fact]
    public async Task Load_ParquetWithoutExtension_IsDetectedByContent()
    {
        using var folder = new TempFolder();
        string path = folder.File("events.data");
        await WriteAsync(path, Strings("user_id", ["a", "b"]), Strings("item_id", ["x", "y"]), Strings("event_type", ["click", "like"]));
        var events = DatasetLoader.Load(new DatasetSources(path), new LoadOptions
        {
            Schema = new DataSchema(new Dictionary<string, FeatureKind>(), new Dictionary<string, FeatureKind>(), new Dictionary<string, string> { ["like"] = "purchase" }, null),
        }).Dataset.Interactions;
        Assert.Equal(["click", "purchase"], events.Select(e => e.EventType));
        Assert.Equal([1L, 2L], events.Select(e => e.Timestamp));
    }

    [Fact]
    public async Task Load_ParquetBadRow_ThrowsNamingFileRowAndField()
    {
        using var folder = new TempFolder();
        string path = folder.File("events.parquet");
        await WriteAsync(path, Strings("user_id", ["a", "b", "c"]), Strings("item_id", ["x", "y", "z"]), Strings("timestamp", ["1", "2024-01-01", "soon"]));
        var error = Assert.Throws<DataFormatException>(() => DatasetLoader.Load(new DatasetSources(path)));
        Assert.Equal("events.parquet line 3, field 'timestamp': 'soon' is not a unix time or ISO 8601 date", error.Message);
    }

    [Fact]
    public async Task Load_ParquetNullItemId_IsABadRow()
    {
        using var folder = new TempFolder();
        string path = folder.File("events.parquet");
        await WriteAsync(path, Strings("user_id", ["a", "b"]), Strings("item_id", ["x", null]));
        var result = DatasetLoader.Load(new DatasetSources(path), new LoadOptions { SkipBadRows = true });
        Assert.Single(result.Dataset.Interactions);
        Assert.Equal(["events.parquet line 2, field 'item_id': the item id is empty"], result.Report.Files[0].Errors);
    }

    [Fact]
    public async Task Load_ParquetUnknownColumn_ThrowsListingKnownOnes()
    {
        using var folder = new TempFolder();
        string path = folder.File("events.parquet");
        await WriteAsync(path, Strings("user_id", ["a"]), Strings("item_id", ["x"]), Strings("shade", ["red"]));
        var error = Assert.Throws<DataFormatException>(() => DatasetLoader.Load(new DatasetSources(path)));
        Assert.Equal("shade", error.Field);
        Assert.Contains("unknown column; an interactions file has user_id, item_id", error.Message);
    }

    [Fact]
    public async Task Load_ParquetFeatureTable_TakesNumbersAsNumericAndInfersTheRest()
    {
        using var folder = new TempFolder();
        string events = folder.File("events.parquet");
        await WriteAsync(events, Strings("user_id", ["u"]), Strings("item_id", ["1"]));
        string items = folder.File("items.parquet");
        await WriteAsync(items,
            Column("item_id", new[] { 1, 2, 3 }),
            NullableColumn("price", new double?[] { 9.5, null, 3 }),
            Strings("genres", ["a|b", "c", "a|c"]),
            Strings("title", ["Red hat", "Blue shoe", "Green sock"]),
            Column("in_stock", new[] { true, false, true }));
        var table = DatasetLoader.Load(new DatasetSources(events, Items: items)).Dataset.Items!;
        Assert.Equal(
            [new FeatureColumn("price", FeatureKind.Numeric), new FeatureColumn("genres", FeatureKind.MultiCategorical),
             new FeatureColumn("title", FeatureKind.Text), new FeatureColumn("in_stock", FeatureKind.Categorical)],
            table.Columns);
        Assert.True(table.TryGetRow("2", out var row));
        Assert.Equal([null, "c", "Blue shoe", "false"], row);
    }

    [Fact]
    public async Task Load_ParquetFeatureTableDuplicateId_ThrowsNamingRow()
    {
        using var folder = new TempFolder();
        string events = folder.File("events.parquet");
        await WriteAsync(events, Strings("user_id", ["u"]), Strings("item_id", ["1"]));
        string users = folder.File("users.parquet");
        await WriteAsync(users, Strings("user_id", ["u", "v", "u"]), Column("age", new[] { 1, 2, 3 }));
        var error = Assert.Throws<DataFormatException>(() => DatasetLoader.Load(new DatasetSources(events, Users: users)));
        Assert.Equal("users.parquet line 3, field 'user_id': 'u' appears twice; ids must be unique", error.Message);
    }
}
