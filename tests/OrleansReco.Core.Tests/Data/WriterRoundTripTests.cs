using OrleansReco.Core.Data;
using OrleansReco.Core.Data.Readers;
using OrleansReco.Core.Data.Writers;

namespace OrleansReco.Core.Tests.Data;

public sealed class WriterRoundTripTests
{
    private static readonly Interaction[] Events =
    [
        new("u1", "i1", EventTypes.View, 1f, 1_700_000_000, "e-1"),
        new("u1", "i2", EventTypes.Purchase, 2.5f, 1_700_000_060),
        new("smith, j", "the \"best\" hat", EventTypes.AddToCart, 1f, 1_700_000_061, "x,1"),
        new("u2", "multi\nline\r\nid", EventTypes.Rating, 0.1f, -5, ""),
        new("مستخدم", "كتاب عربي", "مشاهدة", 3.75f, 0, "معرف"),
        new("u3", "i1", EventTypes.Click, float.MaxValue, 4_102_444_800),
    ];

    private static FeatureTable Items() => new(
        "item_id",
        [
            new FeatureColumn("price", FeatureKind.Numeric),
            new FeatureColumn("brand", FeatureKind.Categorical),
            new FeatureColumn("genres", FeatureKind.MultiCategorical),
            new FeatureColumn("title", FeatureKind.Text),
            new FeatureColumn("size", FeatureKind.Categorical),
        ],
        ["i1", "i2", "كتاب-3", "i,4"],
        [
            ["9.99", "acme", "Action|Comedy", "A \"quoted\", comma'd title", "42"],
            ["12", null, "Drama", "two\nlines", "7"],
            ["-0.5", "دار النشر", "أدب|تاريخ", "ألف ليلة وليلة", null],
            [null, "zenith", null, null, "1"],
        ]);

    /// <summary>Events as read back: an empty event id is no event id.</summary>
    private static IEnumerable<Interaction> Expected() => Events.Select(e => e with { EventId = string.IsNullOrEmpty(e.EventId) ? null : e.EventId });

    [Theory]
    [InlineData("events.csv")]
    [InlineData("events.parquet")]
    public void WriteInteractions_ThenLoad_GivesSameEvents(string name)
    {
        using var folder = new TempFolder();
        string path = folder.File(name);
        DatasetWriter.WriteInteractions(path, Events);
        var loaded = DatasetLoader.Load(new DatasetSources(path)).Dataset.Interactions;
        Assert.Equal(Expected(), loaded);
    }

    [Fact]
    public void WriteInteractions_Parquet_SpansSeveralRowGroups()
    {
        using var folder = new TempFolder();
        string path = folder.File("many.parquet");
        int count = ParquetTableWriter.RowGroupSize + 1000;
        var events = Enumerable.Range(0, count).Select(i => new Interaction($"u{i % 977}", $"i{i % 313}", EventTypes.Click, i % 5, 1_000_000 + i));
        DatasetWriter.WriteInteractions(path, events);
        var loaded = DatasetLoader.Load(new DatasetSources(path)).Dataset.Interactions;
        Assert.Equal(count, loaded.Count);
        Assert.Equal(events.Last(), loaded[^1]);
        Assert.Equal(events.ElementAt(ParquetTableWriter.RowGroupSize), loaded[ParquetTableWriter.RowGroupSize]);
    }

    [Fact]
    public void WriteFeatures_Parquet_ThenLoad_KeepsKindsAndValues()
    {
        using var folder = new TempFolder();
        var items = Items();
        string path = folder.File("items.parquet");
        DatasetWriter.WriteFeatures(path, items);
        DatasetWriter.WriteInteractions(folder.File("events.parquet"), Events);
        var loaded = DatasetLoader.Load(new DatasetSources(folder.File("events.parquet"), Items: path)).Dataset.Items!;
        AssertSameTable(items, loaded);
    }

    [Fact]
    public void WriteFeatures_CsvWithSchema_ThenLoad_KeepsKindsAndValues()
    {
        using var folder = new TempFolder();
        var items = Items();
        var users = new FeatureTable("user_id", [new FeatureColumn("age", FeatureKind.Numeric), new FeatureColumn("bio", FeatureKind.Text)],
            ["u1", "مستخدم"], [["34", "likes hats"], [null, "يحب القراءة"]]);
        DatasetWriter.WriteInteractions(folder.File("events.csv"), Events);
        DatasetWriter.WriteFeatures(folder.File("items.csv"), items);
        DatasetWriter.WriteFeatures(folder.File("users.csv"), users);
        DatasetWriter.WriteSchema(folder.File("schema.json"), users, items, new Dictionary<string, string> { ["مشاهدة"] = EventTypes.View });
        var data = DatasetLoader.Load(new DatasetSources(folder.File("events.csv"), folder.File("users.csv"), folder.File("items.csv"), folder.File("schema.json"))).Dataset;
        AssertSameTable(items, data.Items!);
        AssertSameTable(users, data.Users!);
        Assert.Equal(EventTypes.View, data.Interactions[4].EventType);
    }

    [Fact]
    public void WriteFeatures_CsvWithoutSchema_ThenLoad_KeepsValues()
    {
        using var folder = new TempFolder();
        var items = Items();
        DatasetWriter.WriteInteractions(folder.File("events.csv"), Events);
        DatasetWriter.WriteFeatures(folder.File("items.csv"), items);
        var loaded = DatasetLoader.Load(new DatasetSources(folder.File("events.csv"), Items: folder.File("items.csv"))).Dataset.Items!;
        Assert.Equal(items.Keys, loaded.Keys);
        Assert.Equal(items.Columns.Select(c => c.Name), loaded.Columns.Select(c => c.Name));
        for (int r = 0; r < items.Count; r++) Assert.Equal(items.Row(r), loaded.Row(r));
    }

    [Fact]
    public void WriteInteractions_ReplacesExistingFileAndLeavesNoTemporaryFile()
    {
        using var folder = new TempFolder();
        string path = folder.Write("events.csv", "old content");
        DatasetWriter.WriteInteractions(path, Events);
        Assert.StartsWith(CsvTableWriter.InteractionsHeader, File.ReadAllText(path), StringComparison.Ordinal);
        Assert.Equal(["events.csv"], Directory.EnumerateFileSystemEntries(folder.Path).Select(Path.GetFileName));
    }

    [Fact]
    public void WriteInteractions_FailingSource_KeepsOldFile()
    {
        using var folder = new TempFolder();
        string path = folder.Write("events.parquet", "old content");
        static IEnumerable<Interaction> Failing()
        {
            yield return Events[0];
            throw new InvalidOperationException("source failed");
        }
        Assert.Throws<InvalidOperationException>(() => DatasetWriter.WriteInteractions(path, Failing()));
        Assert.Equal("old content", File.ReadAllText(path));
        Assert.Single(Directory.EnumerateFileSystemEntries(folder.Path));
    }

    [Fact]
    public void WriteInteractions_ThrowsForUnknownExtension()
    {
        using var folder = new TempFolder();
        var error = Assert.Throws<ArgumentException>(() => DatasetWriter.WriteInteractions(folder.File("events.json"), Events));
        Assert.Contains("use a .csv or .parquet extension", error.Message);
    }

    [Fact]
    public void WriteFeatures_Parquet_ThrowsForNonNumberInNumericColumn()
    {
        using var folder = new TempFolder();
        var table = new FeatureTable("item_id", [new FeatureColumn("price", FeatureKind.Numeric)], ["a"], [["cheap"]]);
        var error = Assert.Throws<ArgumentException>(() => DatasetWriter.WriteFeatures(folder.File("items.parquet"), table));
        Assert.Contains("item_id 'a', numeric column 'price': 'cheap' is not a number", error.Message);
        Assert.Empty(Directory.EnumerateFileSystemEntries(folder.Path));
    }

    private static void AssertSameTable(FeatureTable expected, FeatureTable actual)
    {
        Assert.Equal(expected.KeyColumn, actual.KeyColumn);
        Assert.Equal(expected.Columns, actual.Columns);
        Assert.Equal(expected.Keys, actual.Keys);
        for (int r = 0; r < expected.Count; r++) Assert.Equal(expected.Row(r), actual.Row(r));
    }
}
