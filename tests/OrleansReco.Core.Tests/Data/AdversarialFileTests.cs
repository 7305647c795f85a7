using System.Text;
using OrleansReco.Core.Data;
using OrleansReco.Core.Data.Readers;

namespace OrleansReco.Core.Tests.Data;

/// <summary>
/// Seeded adversarial files for the dataset loader: binary garbage, huge fields, Arabic and emoji, NaN/Infinity,
/// negative and overflowing numbers, unbalanced quotes, deeply nested and oversized schema files. The loader may
/// only succeed or throw <see cref="DataFormatException"/> naming the file; with <c>SkipBadRows</c> every data row
/// is either loaded or counted as bad (none dropped silently).
/// </summary>
public sealed class AdversarialFileTests
{
    private const int Seed = 20261125;
    private const int Cases = 150;

    private static readonly string[] Cells =
    [
        "NaN", "Infinity", "-Infinity", "-1", "-1e400", "1e309", "99999999999999999999999", "9223372036854775808", "-9223372036854775809",
        "مرحبا", "🎉👍🏽", "عربي-١٢٣", "", " ", "\u0000", "\u200f", "1.5", "2024-13-45T99:99:99Z", "0x1F", "1_000", "+7", "1e3", "true",
    ];

    [Fact]
    public void Load_SeededAdversarialInteractions_OnlyDataFormatExceptionAndNoRowDroppedSilently()
    {
        var random = new Random(Seed);
        using var folder = new TempFolder();
        for (int n = 0; n < Cases; n++)
        {
            int rows = random.Next(1, 40);
            var text = new StringBuilder("user_id,item_id,event_type,rating,timestamp,event_id\n");
            for (int r = 0; r < rows; r++)
            {
                string[] cells = [$"u{random.Next(20)}", $"i{random.Next(50)}", "purchase", "4", (1_700_000_000 + r).ToString(), $"e{n}-{r}"];
                if (random.Next(3) == 0) cells[random.Next(cells.Length)] = Adversarial(random);
                text.Append(string.Join(',', cells.Select(Quote))).Append('\n');
            }
            byte[] bytes = new UTF8Encoding(false).GetBytes(text.ToString());
            if (random.Next(8) == 0)
            {
                // Binary garbage spliced into the middle of the file (the row count check does not apply then).
                var garbage = new byte[random.Next(1, 512)];
                random.NextBytes(garbage);
                int at = random.Next(bytes.Length);
                bytes = [.. bytes[..at], .. garbage, .. bytes[at..]];
                rows = -1;
            }
            string name = $"events-{n}.csv";
            var sources = new DatasetSources(folder.WriteBytes(name, bytes));
            AssertLoadsOrNamesFile(() => DatasetLoader.Load(sources), name, n);
            var skipping = AssertLoadsOrNamesFile(() => DatasetLoader.Load(sources, new LoadOptions { SkipBadRows = true }), name, n);
            if (skipping is not null && rows > 0)
            {
                long accounted = skipping.Dataset.Interactions.Count + skipping.Report.BadRows;
                Assert.True(accounted == rows, $"case {n}: {rows} rows, {skipping.Dataset.Interactions.Count} loaded + {skipping.Report.BadRows} bad");
            }
        }
    }

    [Theory]
    [InlineData("deep")]
    [InlineData("huge")]
    [InlineData("binary")]
    [InlineData("nan")]
    [InlineData("wrong-kind")]
    public void Load_AdversarialSchema_ThrowsDataFormatExceptionNamingTheFile(string kind)
    {
        using var folder = new TempFolder();
        string schema = kind switch
        {
            "deep" => "{\"users\":" + new string('[', 100_000) + new string(']', 100_000) + "}",
            "huge" => "{\"users\":{\"" + new string('x', 2_000_000) + "\":\"numeric\"},\"items\":{\"title\":\"" + new string('ع', 1_000_000) + "\"}}",
            "binary" => Encoding.Latin1.GetString(Enumerable.Range(0, 4096).Select(i => (byte)(i * 37 % 256)).ToArray()),
            "nan" => "{\"users\":{\"age\":NaN},\"items\":{\"price\":Infinity}}",
            _ => "{\"users\":{\"age\":\"numeric\"},\"items\":{\"price\":\"🎉\"},\"event_types\":{\"buy\":\"teleport\"}}",
        };
        var sources = new DatasetSources(folder.Write("events.csv", "user_id,item_id\nu1,i1\n"), Schema: folder.Write("schema.json", schema));
        var error = Assert.Throws<DataFormatException>(() => DatasetLoader.Load(sources));
        Assert.Equal("schema.json", error.File);
    }

    [Fact]
    public void Load_ItemsWithHugeTextNaNAndOverflowingPrices_LoadsOrNamesFileLineAndField()
    {
        using var folder = new TempFolder();
        var random = new Random(Seed + 1);
        for (int n = 0; n < 40; n++)
        {
            var items = new StringBuilder("item_id,title,price,category\n");
            int rows = random.Next(1, 20);
            for (int r = 0; r < rows; r++)
            {
                string title = random.Next(4) == 0 ? new string('ب', random.Next(1, 300_000)) : "عنوان 🎉 " + r;
                string price = random.Next(3) == 0 ? Cells[random.Next(9)] : (r * 1.5).ToString(System.Globalization.CultureInfo.InvariantCulture);
                items.Append(string.Join(',', new[] { $"i{r}", title, price, "c" + random.Next(3) }.Select(Quote))).Append('\n');
            }
            string name = $"items-{n}.csv";
            var sources = new DatasetSources(folder.Write($"events-{n}.csv", "user_id,item_id\nu1,i0\n"), Items: folder.Write(name, items.ToString()));
            try
            {
                var result = DatasetLoader.Load(sources);
                Assert.NotNull(result.Dataset.Items);
            }
            catch (DataFormatException e)
            {
                Assert.Equal(name, e.File);
                Assert.NotNull(e.Line);
                Assert.NotNull(e.Field);
            }
        }
    }

    private static string Adversarial(Random random) => random.Next(6) switch
    {
        0 => new string('x', random.Next(10_000, 300_000)),
        1 => "🎉\"unbalanced",
        _ => Cells[random.Next(Cells.Length)],
    };

    private static string Quote(string cell) =>
        cell.IndexOfAny([',', '"', '\n', '\r']) >= 0 ? "\"" + cell.Replace("\"", "\"\"") + "\"" : cell;

    private static LoadResult? AssertLoadsOrNamesFile(Func<LoadResult> load, string file, int n)
    {
        try
        {
            return load();
        }
        catch (DataFormatException e)
        {
            Assert.True(e.File == file, $"case {n}: the error names '{e.File}', not '{file}': {e.Message}");
            Assert.False(string.IsNullOrWhiteSpace(e.Problem), $"case {n}: empty problem");
            return null;
        }
        catch (Exception e)
        {
            Assert.Fail($"case {n}: {file} threw {e.GetType().Name} instead of DataFormatException: {e.Message}");
            return null;
        }
    }
}
