using System.Globalization;
using OrleansReco.Core.Data;
using OrleansReco.Core.Data.Synthetic;

namespace OrleansReco.Core.Tests.Synthetic;

public sealed class SyntheticGeneratorTests
{
    private static readonly SyntheticOptions Tiny = SyntheticOptions.Default with { Users = 200, Items = 150, Events = 5_000, Seed = 3 };

    [Fact]
    public void Generate_SameSeed_GivesIdenticalData()
    {
        var a = SyntheticGenerator.Generate(Tiny);
        var b = SyntheticGenerator.Generate(Tiny);
        Assert.Equal(a.Interactions, b.Interactions);
        AssertSameTable(a.Users!, b.Users!);
        AssertSameTable(a.Items!, b.Items!);
    }

    [Fact]
    public void Generate_OneOrManyThreads_GivesIdenticalData()
    {
        var one = SyntheticGenerator.Generate(Tiny with { Threads = 1 });
        var many = SyntheticGenerator.Generate(Tiny with { Threads = 4 });
        Assert.Equal(one.Interactions, many.Interactions);
    }

    [Fact]
    public void Generate_DayResolution_RoundsEachTimestampDown_AndKeepsEverythingElse()
    {
        var seconds = SyntheticGenerator.Generate(Tiny);
        var days = SyntheticGenerator.Generate(Tiny with { TimestampResolution = TimeSpan.FromDays(1) });
        Assert.Equal(seconds.Interactions.Count, days.Interactions.Count);
        for (int i = 0; i < days.Interactions.Count; i++)
        {
            var (s, d) = (seconds.Interactions[i], days.Interactions[i]);
            Assert.Equal(s with { Timestamp = s.Timestamp - s.Timestamp % 86_400 }, d);
        }
        // Most of a user's events now share a timestamp with the one before; with seconds, almost none do.
        static double TiedShare(InteractionDataset data) => SyntheticData.ByUser(data).Values
            .Sum(events => events.Zip(events.Skip(1)).Count(p => p.First.Timestamp == p.Second.Timestamp)) / (double)data.Interactions.Count;
        Assert.True(TiedShare(days) > 0.5, $"tied share {TiedShare(days):F3} with day stamps");
        Assert.True(TiedShare(seconds) < 0.05, $"tied share {TiedShare(seconds):F3} with second stamps");
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(1.5)]
    [InlineData(367 * 86_400.0)]
    public void Validate_TimestampResolution_OutOfRangeOrFractional_NamesTheOption(double seconds)
    {
        var e = Assert.Throws<ArgumentException>(() => (Tiny with { TimestampResolution = TimeSpan.FromSeconds(seconds) }).Validate());
        Assert.Equal(nameof(SyntheticOptions.TimestampResolution), e.ParamName);
    }

    [Fact]
    public void Generate_DifferentSeed_GivesDifferentData()
    {
        var a = SyntheticGenerator.Generate(Tiny);
        var b = SyntheticGenerator.Generate(Tiny with { Seed = 4 });
        Assert.NotEqual(a.Interactions, b.Interactions);
        Assert.NotEqual(Enumerable.Range(0, a.Items!.Count).Select(i => a.Items.Row(i)[a.Items.ColumnIndex("title")]),
                        Enumerable.Range(0, b.Items!.Count).Select(i => b.Items.Row(i)[b.Items.ColumnIndex("title")]));
    }

    [Fact]
    public void Generate_MoreEvents_KeepsCatalogAndUsers()
    {
        var a = SyntheticGenerator.Generate(Tiny);
        var b = SyntheticGenerator.Generate(Tiny with { Events = 8_000 });
        AssertSameTable(a.Users!, b.Users!);
        AssertSameTable(a.Items!, b.Items!);
    }

    [Fact]
    public void Generate_Sizes_MatchOptions()
    {
        var options = Tiny with { Users = 321, Items = 123, Events = 4_567, MinEventsPerUser = 5 };
        var data = SyntheticGenerator.Generate(options);
        Assert.Equal(321, data.Users!.Count);
        Assert.Equal(123, data.Items!.Count);
        Assert.Equal(4_567, data.Interactions.Count);
        var perUser = SyntheticData.ByUser(data);
        Assert.Equal(321, perUser.Count);
        Assert.All(perUser.Values, events => Assert.True(events.Count >= 5, $"{events[0].UserId} has {events.Count} events"));
        Assert.All(data.Interactions, e => Assert.True(data.Items.TryGetRow(e.ItemId, out _), $"unknown item {e.ItemId}"));
        Assert.Equal(data.Interactions.Count, data.Interactions.Select(e => e.EventId).Distinct().Count());
    }

    [Fact]
    public void Generate_MovieLens100KShape_HasMovieLensSizesAndHeavyTails()
    {
        var data = SyntheticGenerator.Generate(SyntheticOptions.MovieLens100KShape);
        Assert.Equal(943, data.Users!.Count);
        Assert.Equal(1_682, data.Items!.Count);
        Assert.Equal(100_000, data.Interactions.Count);
        var perUser = data.Interactions.GroupBy(e => e.UserId).Select(g => g.Count()).Order().ToArray();
        var perItem = data.Interactions.GroupBy(e => e.ItemId).Select(g => g.Count()).Order().ToArray();
        Assert.True(perUser[0] >= 20, $"least active user has {perUser[0]} events");
        // MovieLens-100K: users median 65, max 737; items median 27, max 583. Heavy tails: max ≫ median.
        Assert.True(perUser[^1] > 5 * perUser[perUser.Length / 2], $"users: max {perUser[^1]}, median {perUser[perUser.Length / 2]}");
        Assert.True(perItem[^1] > 10 * perItem[perItem.Length / 2], $"items: max {perItem[^1]}, median {perItem[perItem.Length / 2]}");
        Assert.True(perItem[perItem.Length / 10] < perItem[perItem.Length / 2] / 2, "the bottom tenth of items should be rare");
    }

    [Fact]
    public void Generate_WideCatalog_HasTheShapeOfALongHistoryFilmCatalog()
    {
        var options = SyntheticOptions.WideCatalog;
        var data = SyntheticGenerator.Generate(options);

        // Sizes, and no user table at all (no users file, no user columns).
        Assert.Null(data.Users);
        Assert.Equal(9_742, data.Items!.Count);
        Assert.Equal(100_836, data.Interactions.Count);
        Assert.Equal(new[] { "title", "genres", "year" }, data.Items.Columns.Select(c => c.Name));
        Assert.Equal(new[] { FeatureKind.Text, FeatureKind.MultiCategorical, FeatureKind.Numeric }, data.Items.Columns.Select(c => c.Kind));

        // Items: a title ending in "(year)" that matches the year column, one or more known genres.
        int title = data.Items.ColumnIndex("title"), genres = data.Items.ColumnIndex("genres"), year = data.Items.ColumnIndex("year");
        var releaseYear = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < data.Items.Count; i++)
        {
            var row = data.Items.Row(i);
            int y = int.Parse(row[year]!, CultureInfo.InvariantCulture);
            Assert.InRange(y, 1900, 2020);
            Assert.EndsWith($" ({y})", row[title]);
            Assert.NotEmpty(row[genres]!.Split('|'));
            releaseYear[data.Items.Keys[i]] = y;
        }

        // Users: 610, each with at least 20 ratings; strong activity skew (MovieLens "latest" small: median 71, max 2,698).
        var perUser = SyntheticData.ByUser(data);
        Assert.Equal(610, perUser.Count);
        var userCounts = perUser.Values.Select(v => v.Count).Order().ToArray();
        Assert.True(userCounts[0] >= options.MinEventsPerUser, $"least active user has {userCounts[0]} events");
        Assert.True(userCounts[^1] >= 1_000, $"most active user has only {userCounts[^1]} events");
        Assert.True(userCounts[^1] > 10 * userCounts[userCounts.Length / 2], $"users: max {userCounts[^1]}, median {userCounts[userCounts.Length / 2]}");

        // Items: strong popularity skew, most of the catalogue rated fewer than 5 times.
        var perItem = data.Interactions.GroupBy(e => e.ItemId).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        int rare = data.Items.Keys.Count(k => perItem.GetValueOrDefault(k) < 5);
        Assert.True(rare > data.Items.Count / 2, $"only {rare:N0} of {data.Items.Count:N0} items have fewer than 5 events");
        Assert.True(perItem.Values.Max() >= 100, $"the most rated item has only {perItem.Values.Max()} events");

        // Events: half-star ratings, each film at most once per user, spanning about 20 years.
        Assert.All(data.Interactions, e =>
        {
            Assert.Equal(EventTypes.Rating, e.EventType);
            Assert.InRange(e.Value, 0.5f, 5f);
            Assert.Equal(e.Value * 2, MathF.Round(e.Value * 2));
        });
        Assert.True(data.Interactions.Select(e => (e.UserId, e.ItemId)).Distinct().Count() == data.Interactions.Count, "a user rated a film twice");
        long first = data.Interactions.Min(e => e.Timestamp), last = data.Interactions.Max(e => e.Timestamp);
        Assert.True(last - first > 19L * 365 * 86_400, $"events span only {(last - first) / 86_400.0 / 365.25:F1} years");
        Assert.True(data.Interactions.Count(e => e.Value >= 4) > data.Interactions.Count / 4, "ratings should lean positive");

        // Popularity drifts: films rated in the last five years were released later than those rated in the first five.
        double MeanReleaseYear(IEnumerable<Interaction> events) => events.Average(e => releaseYear[e.ItemId]);
        long fiveYears = 5L * 365 * 86_400;
        double early = MeanReleaseYear(data.Interactions.Where(e => e.Timestamp < first + fiveYears));
        double late = MeanReleaseYear(data.Interactions.Where(e => e.Timestamp > last - fiveYears));
        Assert.True(late > early + 5, $"mean release year {early:F1} in the first five years, {late:F1} in the last five");
    }

    [Fact]
    public void TryGetPreset_Wide_IsTheWideCatalog()
    {
        Assert.True(SyntheticOptions.TryGetPreset("Wide", out var options));
        Assert.Same(SyntheticOptions.WideCatalog, options);
        Assert.Contains("wide", SyntheticOptions.PresetNames);
    }

    [Fact]
    public void Generate_Funnel_SharesInExpectedRanges()
    {
        var summary = SyntheticSummary.Of(SyntheticData.Small);
        Assert.Equal(summary.Events, summary.Views + summary.Carts + summary.Purchases);
        Assert.InRange(summary.CartShare, 0.10, 0.20);
        Assert.InRange(summary.PurchaseShare, 0.30, 0.50);
    }

    [Fact]
    public void Generate_Funnel_CartFollowsViewAndPurchaseFollowsCartInSameSession()
    {
        foreach (var events in SyntheticData.ByUser(SyntheticData.Small).Values)
        {
            var viewed = new HashSet<(int, string)>();
            var carted = new HashSet<(int, string)>();
            foreach (var e in events)
            {
                int session = SyntheticData.ParseEventId(e.EventId!).Session;
                switch (e.EventType)
                {
                    case EventTypes.View: viewed.Add((session, e.ItemId)); break;
                    case EventTypes.AddToCart:
                        Assert.Contains((session, e.ItemId), viewed);
                        carted.Add((session, e.ItemId));
                        break;
                    case EventTypes.Purchase:
                        Assert.True(carted.Remove((session, e.ItemId)), $"{e.EventId}: purchase of {e.ItemId} without an add_to_cart before it");
                        break;
                    default:
                        Assert.Fail($"unexpected event type {e.EventType}");
                        break;
                }
            }
        }
    }

    [Fact]
    public void Generate_Timestamps_IncreaseWithinSessionsAndStayInSpan()
    {
        var options = SyntheticData.SmallOptions;
        var data = SyntheticData.Small;
        long from = options.Start.ToUnixTimeSeconds(), to = from + (long)options.Span.TotalSeconds;
        for (int i = 1; i < data.Interactions.Count; i++)
            Assert.True(data.Interactions[i - 1].Timestamp <= data.Interactions[i].Timestamp, $"events {i - 1} and {i} out of time order");
        Assert.All(data.Interactions, e => Assert.InRange(e.Timestamp, from, to - 1));
        foreach (var events in SyntheticData.ByUser(data).Values)
        {
            var (_, lastSession, lastPosition) = SyntheticData.ParseEventId(events[0].EventId!);
            Assert.Equal((1, 1), (lastSession, lastPosition));
            for (int i = 1; i < events.Count; i++)
            {
                var (_, session, position) = SyntheticData.ParseEventId(events[i].EventId!);
                Assert.True(events[i].Timestamp > events[i - 1].Timestamp, $"{events[i].EventId} is not after {events[i - 1].EventId}");
                if (session == lastSession) Assert.Equal(lastPosition + 1, position);
                else Assert.Equal((lastSession + 1, 1), (session, position)); // sessions in order, never interleaved
                if (session != lastSession)
                    Assert.True(events[i].Timestamp - events[i - 1].Timestamp >= 59, $"{events[i].EventId} starts less than a minute after the previous session");
                else
                    Assert.True(events[i].Timestamp - events[i - 1].Timestamp < 3_600, $"{events[i].EventId}: gap over an hour inside a session");
                (lastSession, lastPosition) = (session, position);
            }
        }
        // Spread over the period, not bunched at the start.
        var days = data.Interactions.Select(e => (e.Timestamp - from) / 86_400).ToArray();
        Assert.True(days.Max() >= options.Span.TotalDays - 2);
        Assert.InRange(days.Average(), options.Span.TotalDays * 0.3, options.Span.TotalDays * 0.7);
    }

    [Fact]
    public void Generate_FeatureColumns_HaveDeclaredKinds()
    {
        var data = SyntheticData.Small;
        Assert.Equal(["age_group", "segment", "income", "assets_under_management", "country"], data.Users!.Columns.Select(c => c.Name));
        Assert.Equal(["product_type", "category", "brand", "market", "price", "performance_score", "tags", "title", "description"], data.Items!.Columns.Select(c => c.Name));
        foreach (var table in new[] { data.Users, data.Items })
        {
            for (int c = 0; c < table.Columns.Count; c++)
            {
                var column = table.Columns[c];
                var values = Enumerable.Range(0, table.Count).Select(r => table.Row(r)[c]).ToList();
                Assert.All(values, v => Assert.False(string.IsNullOrWhiteSpace(v), $"{column.Name} has an empty value"));
                int distinct = values.Distinct().Count();
                switch (column.Kind)
                {
                    case FeatureKind.Numeric:
                        Assert.All(values, v => Assert.True(double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out double x) && double.IsFinite(x), $"{column.Name}: '{v}' is not a number"));
                        Assert.True(distinct > table.Count / 10, $"{column.Name} has only {distinct} distinct values");
                        break;
                    case FeatureKind.Categorical:
                        Assert.InRange(distinct, 2, 100);
                        Assert.All(values, v => Assert.DoesNotContain('|', v!));
                        break;
                    case FeatureKind.MultiCategorical:
                        Assert.Contains(values, v => v!.Contains('|'));
                        Assert.All(values, v => Assert.All(v!.Split('|'), part => Assert.Matches("^[a-z_]+$", part)));
                        break;
                    case FeatureKind.Text:
                        Assert.True(values.Average(v => v!.Split(' ').Length) >= 4, $"{column.Name} averages under four words");
                        Assert.True(distinct > table.Count / 2, $"{column.Name} has only {distinct} distinct values");
                        break;
                }
            }
        }
    }

    [Fact]
    public void Generate_ArabicMarkets_HaveArabicTitlesForAShareOfItems()
    {
        var items = SyntheticData.Small.Items!;
        int market = items.ColumnIndex("market"), title = items.ColumnIndex("title"), description = items.ColumnIndex("description");
        static bool IsArabic(string? s) => s is not null && s.Any(ch => ch is >= '\u0600' and <= '\u06FF');
        var arabic = Enumerable.Range(0, items.Count).Where(i => IsArabic(items.Row(i)[title])).ToList();
        Assert.InRange(arabic.Count, items.Count / 50, items.Count / 3);
        Assert.All(arabic, i => Assert.Contains(items.Row(i)[market], new[] { "mena", "saudi" }));
        Assert.All(arabic, i => Assert.True(IsArabic(items.Row(i)[description])));
    }

    [Fact]
    public void Generate_TextWords_ComeFromTheItemsCategory()
    {
        var items = SyntheticData.Small.Items!;
        int category = items.ColumnIndex("category"), description = items.ColumnIndex("description");
        // "gold" belongs to commodities only; "sukuk" to islamic_finance only (among English descriptions).
        for (int i = 0; i < items.Count; i++)
        {
            var row = items.Row(i);
            var words = row[description]!.Split([' ', ',', '.', ':'], StringSplitOptions.RemoveEmptyEntries);
            if (words.Contains("gold")) Assert.Equal("commodities", row[category]);
            if (words.Contains("semiconductor")) Assert.Equal("technology", row[category]);
        }
    }

    [Fact]
    public void Generate_CustomProductTypes_AreUsed()
    {
        var data = SyntheticGenerator.Generate(Tiny with { ProductTypes = ["gadget", "gizmo"] });
        var types = Enumerable.Range(0, data.Items!.Count).Select(i => data.Items.Row(i)[0]!).Distinct().Order().ToArray();
        Assert.Equal(["gadget", "gizmo"], types);
    }

    [Theory]
    [InlineData(nameof(SyntheticOptions.Users))]
    [InlineData(nameof(SyntheticOptions.Items))]
    [InlineData(nameof(SyntheticOptions.Events))]
    [InlineData(nameof(SyntheticOptions.NoiseShare))]
    [InlineData(nameof(SyntheticOptions.Span))]
    [InlineData(nameof(SyntheticOptions.ProductTypes))]
    public void Validate_ThrowsForOutOfRangeOption_NamingIt(string option)
    {
        var bad = option switch
        {
            nameof(SyntheticOptions.Users) => Tiny with { Users = 0 },
            nameof(SyntheticOptions.Items) => Tiny with { Items = 1 },
            nameof(SyntheticOptions.Events) => Tiny with { Events = Tiny.Users * Tiny.MinEventsPerUser - 1 },
            nameof(SyntheticOptions.NoiseShare) => Tiny with { NoiseShare = 1.5 },
            nameof(SyntheticOptions.Span) => Tiny with { Span = TimeSpan.FromHours(2) },
            _ => Tiny with { ProductTypes = ["fund", "fund"] },
        };
        var error = Assert.Throws<ArgumentException>(() => SyntheticGenerator.Generate(bad));
        Assert.Equal(option, error.ParamName);
        Assert.Contains($"SyntheticOptions.{option}", error.Message);
    }

    [Fact]
    public void Generate_ShortSpanWithManyEvents_StillKeepsTimestampsInSpanAndOrdered()
    {
        var options = Tiny with { Users = 5, Events = 20_000, Span = TimeSpan.FromDays(1) };
        var data = SyntheticGenerator.Generate(options);
        long from = options.Start.ToUnixTimeSeconds();
        Assert.All(data.Interactions, e => Assert.InRange(e.Timestamp, from, from + 86_399));
        foreach (var events in SyntheticData.ByUser(data).Values)
            for (int i = 1; i < events.Count; i++)
                Assert.True(events[i].Timestamp >= events[i - 1].Timestamp);
    }

    private static void AssertSameTable(FeatureTable a, FeatureTable b)
    {
        Assert.Equal(a.Columns, b.Columns);
        Assert.Equal(a.Keys, b.Keys);
        for (int i = 0; i < a.Count; i++) Assert.Equal(a.Row(i), b.Row(i));
    }
}
