using System.Globalization;
using System.Text;
using System.Text.Json;
using OrleansReco.Core.Data;
using OrleansReco.Core.Data.Synthetic;

namespace OrleansReco.Core.Tests.Synthetic;

public sealed class SyntheticCsvTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "reco-synthetic-csv-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_folder)) Directory.Delete(_folder, recursive: true);
    }

    [Theory]
    [InlineData("plain", "plain")]
    [InlineData("a,b", "\"a,b\"")]
    [InlineData("say \"AA\" now", "\"say \"\"AA\"\" now\"")]
    [InlineData("two\nlines", "\"two\nlines\"")]
    [InlineData("cr\rhere", "\"cr\rhere\"")]
    [InlineData(" padded", "\" padded\"")]
    [InlineData("صندوق الخليج", "صندوق الخليج")]
    [InlineData("", "")]
    [InlineData(null, "")]
    public void WriteField_QuotesOnlyWhenNeeded(string? value, string expected)
    {
        var writer = new StringWriter();
        SyntheticCsv.WriteField(writer, value);
        Assert.Equal(expected, writer.ToString());
    }

    [Fact]
    public void WriteDataset_RoundTripsThroughACsvParser()
    {
        var data = SyntheticGenerator.Generate(SyntheticOptions.Default with { Users = 150, Items = 300, Events = 3_000, Seed = 5 });
        var written = SyntheticCsv.WriteDataset(_folder, data);
        Assert.Equal(["interactions.csv", "users.csv", "items.csv", "schema.json"], written.Select(Path.GetFileName));
        Assert.Equal(4, Directory.GetFiles(_folder).Length); // no temporary files left behind

        var events = ParseCsv(File.ReadAllText(Path.Combine(_folder, "interactions.csv")));
        Assert.Equal(["user_id", "item_id", "event_type", "value", "timestamp", "event_id"], events[0]);
        Assert.Equal(data.Interactions.Count, events.Count - 1);
        for (int i = 0; i < data.Interactions.Count; i++)
        {
            var e = data.Interactions[i];
            var row = events[i + 1];
            Assert.Equal(new Interaction(row[0], row[1], row[2], float.Parse(row[3], CultureInfo.InvariantCulture), long.Parse(row[4], CultureInfo.InvariantCulture), row[5]), e);
        }
        AssertTableRoundTrips(data.Users!, Path.Combine(_folder, "users.csv"));
        AssertTableRoundTrips(data.Items!, Path.Combine(_folder, "items.csv"));

        using var schema = JsonDocument.Parse(File.ReadAllText(Path.Combine(_folder, "schema.json")));
        Assert.Equal("multi", schema.RootElement.GetProperty("items").GetProperty("tags").GetString());
        Assert.Equal("text", schema.RootElement.GetProperty("items").GetProperty("title").GetString());
        Assert.Equal("numeric", schema.RootElement.GetProperty("users").GetProperty("income").GetString());
        Assert.Equal("categorical", schema.RootElement.GetProperty("users").GetProperty("country").GetString());
    }

    [Fact]
    public void WriteFeatures_WritesUtf8WithoutByteOrderMark()
    {
        var table = new FeatureTable("item_id", [new FeatureColumn("title", FeatureKind.Text)], ["i0"], [["صكوك الخليج, \"A\""]]);
        string path = Path.Combine(_folder, "items.csv");
        SyntheticCsv.WriteFeatures(path, table);
        var bytes = File.ReadAllBytes(path);
        Assert.NotEqual(0xEF, bytes[0]);
        Assert.Equal("item_id,title\ni0,\"صكوك الخليج, \"\"A\"\"\"\n", Encoding.UTF8.GetString(bytes));
    }

    [Fact]
    public void WriteInteractions_ReplacesAnExistingFileWhole()
    {
        string path = Path.Combine(_folder, "interactions.csv");
        Directory.CreateDirectory(_folder);
        File.WriteAllText(path, new string('x', 10_000));
        SyntheticCsv.WriteInteractions(path, [new Interaction("u", "i", EventTypes.View, 1f, 1_700_000_000, null)]);
        Assert.Equal("user_id,item_id,event_type,value,timestamp,event_id\nu,i,view,1,1700000000,\n", File.ReadAllText(path));
        Assert.Single(Directory.GetFiles(_folder));
    }

    private static void AssertTableRoundTrips(FeatureTable table, string path)
    {
        var rows = ParseCsv(File.ReadAllText(path));
        Assert.Equal([table.KeyColumn, .. table.Columns.Select(c => c.Name)], rows[0]);
        Assert.Equal(table.Count, rows.Count - 1);
        for (int r = 0; r < table.Count; r++)
        {
            Assert.Equal(table.Keys[r], rows[r + 1][0]);
            Assert.Equal(table.Row(r).Select(v => v ?? ""), rows[r + 1].Skip(1));
        }
    }

    /// <summary>A strict RFC 4180 reader, written independently of the writer, for the round trip.</summary>
    private static List<string[]> ParseCsv(string text)
    {
        var rows = new List<string[]>();
        var fields = new List<string>();
        var field = new StringBuilder();
        int i = 0;
        while (i < text.Length)
        {
            if (text[i] == '"')
            {
                i++;
                while (true)
                {
                    if (text[i] == '"' && i + 1 < text.Length && text[i + 1] == '"') { field.Append('"'); i += 2; }
                    else if (text[i] == '"') { i++; break; }
                    else field.Append(text[i++]);
                }
            }
            else
            {
                while (i < text.Length && text[i] is not (',' or '\n')) field.Append(text[i++]);
            }
            fields.Add(field.ToString());
            field.Clear();
            if (i < text.Length && text[i] == ',') { i++; continue; }
            if (i < text.Length) i++; // '\n'
            rows.Add([.. fields]);
            fields.Clear();
        }
        return rows;
    }
}
