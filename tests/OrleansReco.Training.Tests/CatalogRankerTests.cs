using OrleansReco.Core.Data;
using OrleansReco.Core.Model;
using OrleansReco.Training.TwoTower;

namespace OrleansReco.Training.Tests;

/// <summary>Exact catalog ranking for batch export: seen items, top-N per field value, agreement with scoring.</summary>
public sealed class CatalogRankerTests : IClassFixture<CatalogRankerTests.Trained>
{
    private readonly Trained _trained;

    public CatalogRankerTests(Trained trained) => _trained = trained;

    public sealed class Trained
    {
        public Trained()
        {
            Data = FeatureData.Create(users: 80, items: 60, eventsPerUser: 8);
            using var trainer = new TwoTowerTrainer(Data, new TwoTowerOptions
            {
                Dimension = 16, ItemHidden = [32], UserHidden = [32], CategoricalDim = 8, TextDim = 8, TextBuckets = 512,
                BatchSize = 64, Epochs = 3, Validate = false, Threads = 1,
            });
            trainer.Train();
            Model = new TwoTowerModel(trainer.ExportBundle());
        }

        public InteractionDataset Data { get; }
        public TwoTowerModel Model { get; }
    }

    private List<Interaction> HistoryOf(string user) =>
        _trained.Data.Interactions.Where(e => e.UserId == user).OrderBy(e => e.Timestamp).ToList();

    [Fact]
    public void Rank_ExcludesSeenItems_AndMatchesBruteForceOrder()
    {
        var data = _trained.Data;
        var ranker = new CatalogRanker(_trained.Model, data.Items!.Keys, data.Items);
        var history = HistoryOf("u3");
        var rows = new List<(string? Group, int Item, float Score)>();
        ranker.Rank(null, default, history, 10, includeSeen: false, ranker.NewScratch(), rows);

        Assert.Equal(10, rows.Count);
        var seen = history.Select(e => e.ItemId).ToHashSet();
        Assert.DoesNotContain(rows, r => seen.Contains(ranker.ItemIds[r.Item]));
        // Brute force: embed the user, score every unseen item, sort.
        var user = new float[16];
        _trained.Model.EmbedUser(null, default, history, long.MaxValue, user);
        var expected = Enumerable.Range(0, ranker.ItemIds.Count).Where(i => !seen.Contains(ranker.ItemIds[i]))
            .Select(i => (Item: i, Score: System.Numerics.Tensors.TensorPrimitives.Dot(ranker.Vector(i), user)))
            .OrderByDescending(p => p.Score).ThenBy(p => p.Item).Take(10).Select(p => p.Item).ToArray();
        Assert.Equal(expected, rows.Select(r => r.Item).ToArray());
        Assert.True(rows.Zip(rows.Skip(1)).All(p => p.First.Score >= p.Second.Score));
    }

    [Fact]
    public void Rank_IncludeSeen_CanReturnHistoryItems()
    {
        var data = _trained.Data;
        var ranker = new CatalogRanker(_trained.Model, data.Items!.Keys, data.Items);
        var history = HistoryOf("u3");
        var rows = new List<(string? Group, int Item, float Score)>();
        ranker.Rank(null, default, history, ranker.ItemIds.Count, includeSeen: true, ranker.NewScratch(), rows);
        Assert.Equal(ranker.ItemIds.Count, rows.Count);
    }

    [Fact]
    public void Rank_PerField_GivesTopNForEveryValue()
    {
        var data = _trained.Data;
        var ranker = new CatalogRanker(_trained.Model, data.Items!.Keys, data.Items, groupField: "category");
        var rows = new List<(string? Group, int Item, float Score)>();
        ranker.Rank(null, default, HistoryOf("u5"), 3, includeSeen: false, ranker.NewScratch(), rows);

        var byGroup = rows.GroupBy(r => r.Group).ToList();
        Assert.Equal(new[] { "cat0", "cat1", "cat2", "cat3" }, byGroup.Select(g => g.Key ?? "").Order().ToArray());
        int column = data.Items!.ColumnIndex("category");
        foreach (var group in byGroup)
        {
            Assert.Equal(3, group.Count());
            Assert.All(group, r => Assert.True(data.Items.TryGetRow(ranker.ItemIds[r.Item], out var row) && row[column] == group.Key));
        }
    }

    [Fact]
    public void Constructor_ThrowsNamingColumns_ForUnknownGroupField()
    {
        var data = _trained.Data;
        var e = Assert.Throws<ArgumentException>(() => new CatalogRanker(_trained.Model, data.Items!.Keys, data.Items, groupField: "product_type"));
        Assert.Contains("product_type", e.Message);
        Assert.Contains("category", e.Message);
    }
}
