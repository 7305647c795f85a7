using OrleansReco.Core.Data;
using OrleansReco.Core.Model;
using OrleansReco.Training.TwoTower;

namespace OrleansReco.Training.Tests;

/// <summary>The parity tests on a model whose user tower takes the weighted mean of the history.</summary>
public sealed class MeanForwardParityTests(MeanForwardParityTests.Model trained) : ForwardParityTests(trained), IClassFixture<MeanForwardParityTests.Model>
{
    public sealed class Model() : Trained(HistoryAggregation.Mean);
}

/// <summary>The parity tests on a mean user tower that also takes the short-term mean (half-life 2 events).</summary>
public sealed class RecentMeanForwardParityTests(RecentMeanForwardParityTests.Model trained) : ForwardParityTests(trained), IClassFixture<RecentMeanForwardParityTests.Model>
{
    public sealed class Model() : Trained(HistoryAggregation.Mean, recentHalfLife: 2);

    [Fact]
    public void EmbedUser_ShortTermMean_DependsOnEventOrder()
    {
        // The long-term mean of events at one time is order-free; the short-term mean weighs the newest most.
        Assert.True(_trained.Model.Header.History.HasRecent);
        AssertDependsOnOrder([new("i1", EventTypes.View, 1, 100), new("i2", EventTypes.View, 1, 100), new("i5", EventTypes.View, 1, 100)]);
    }
}

/// <summary>The parity tests on a model whose user tower is the attention encoder (two layers, so that the causal layer runs too).</summary>
public sealed class AttentionForwardParityTests(AttentionForwardParityTests.Model trained) : ForwardParityTests(trained), IClassFixture<AttentionForwardParityTests.Model>
{
    public sealed class Model() : Trained(HistoryAggregation.Attention);

    [Fact]
    public void EmbedUser_Attention_DependsOnEventOrder()
    {
        Assert.Equal(HistoryAggregation.Attention, _trained.Model.Header.Aggregation);
        AssertDependsOnOrder([new("i1", EventTypes.View, 1, 100), new("i2", EventTypes.Purchase, 1, 200), new("i5", EventTypes.View, 1, 300)]);
    }
}

/// <summary>The parity tests on the attention encoder of the default shape: one layer, evaluated for the newest token only.</summary>
public sealed class SingleLayerAttentionForwardParityTests(SingleLayerAttentionForwardParityTests.Model trained)
    : ForwardParityTests(trained), IClassFixture<SingleLayerAttentionForwardParityTests.Model>
{
    public sealed class Model() : Trained(HistoryAggregation.Attention, attentionLayers: 1);
}

/// <summary>
/// The plain C# forward pass of <see cref="TwoTowerModel"/> (serving, no TorchSharp) against TorchSharp's forward on
/// the same weights, through a bundle written to disk and read back.
/// </summary>
public abstract class ForwardParityTests
{
    private const float Tolerance = 1e-4f;
    private protected readonly Trained _trained;

    private protected ForwardParityTests(Trained trained) => _trained = trained;

    /// <summary>The user embedding of <paramref name="history"/> differs from that of the same events in reverse order.</summary>
    private protected void AssertDependsOnOrder(HistoryEvent[] history)
    {
        var model = _trained.Model;
        var forward = new float[model.Dimension];
        var backward = new float[model.Dimension];
        model.EmbedUser(null, history, 400, forward);
        model.EmbedUser(null, Enumerable.Reverse(history).ToArray(), 400, backward);
        Assert.NotEqual(forward, backward);
    }

    /// <summary>One small model trained once for all parity tests of a class, and its bundle read back from a file.</summary>
    public abstract class Trained : IDisposable
    {
        protected Trained(HistoryAggregation aggregation, double recentHalfLife = 0, int attentionLayers = 2)
        {
            Data = FeatureData.Create(users: 80, items: 60, eventsPerUser: 8);
            Trainer = new TwoTowerTrainer(Data, new TwoTowerOptions
            {
                Dimension = 16, ItemHidden = [32, 24], UserHidden = [32], CategoricalDim = 8, TextDim = 8, TextBuckets = 1024,
                BatchSize = 64, Epochs = 2, Validate = false, Threads = 1, HistoryLength = 5,
                Aggregation = aggregation, RecentHalfLife = recentHalfLife, AttentionLayers = attentionLayers, AttentionHeads = 2, AttentionFeedForward = 24,
            });
            Trainer.Train();
            Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"parity-{Guid.NewGuid():N}.bundle");
            Trainer.ExportBundle().Write(Path);
            Model = TwoTowerModel.Load(Path);
        }

        public InteractionDataset Data { get; }
        public TwoTowerTrainer Trainer { get; }
        public string Path { get; }
        public TwoTowerModel Model { get; }

        public void Dispose()
        {
            Trainer.Dispose();
            File.Delete(Path);
            GC.SuppressFinalize(this);
        }
    }

    private static void AssertClose(float[] expected, ReadOnlySpan<float> actual, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= Tolerance, $"{what}: component {i} is {actual[i]}, TorchSharp says {expected[i]}");
    }

    private static IReadOnlyList<string?> InSpecOrder(TwoTowerModel model, FeatureTable table, string key, bool item)
    {
        var columns = item ? model.ItemColumns : model.UserColumns;
        Assert.True(table.TryGetRow(key, out var row));
        return columns.Select(c => row[table.ColumnIndex(c.Name)]).ToArray();
    }

    [Fact]
    public void EmbedItem_MatchesTorchSharp_ForKnownAndUnseenItems()
    {
        var model = _trained.Model;
        var items = new List<(string Id, IReadOnlyList<string?>? Features)>
        {
            ("i0", InSpecOrder(model, _trained.Data.Items!, "i0", item: true)),
            ("i17", InSpecOrder(model, _trained.Data.Items!, "i17", item: true)), // missing price
            ("i3", InSpecOrder(model, _trained.Data.Items!, "i3", item: true)),   // Arabic title
            ("new-item", ["cat2", "even|c2|unknown-tag", "12.5", "cedar coral crest"]),
            ("new-item-no-features", null),
            ("new-item-unknown-values", ["cat99", null, "not-a-number", "كلمة جديدة"]),
        };
        var expected = _trained.Trainer.TorchEmbedItems(items);
        Span<float> actual = stackalloc float[model.Dimension];
        for (int i = 0; i < items.Count; i++)
        {
            model.EmbedItem(items[i].Id, items[i].Features, actual);
            AssertClose(expected[i], actual, $"item {items[i].Id}");
        }
    }

    [Fact]
    public void EmbedUser_MatchesTorchSharp_ForKnownNewAndOneEventUsers()
    {
        var model = _trained.Model;
        var data = _trained.Data;
        HistoryEvent[] HistoryOf(string user) => data.Interactions.Where(e => e.UserId == user)
            .Select(e => new HistoryEvent(e.ItemId, e.EventType, e.Value, e.Timestamp)).ToArray();
        var known = HistoryOf("u1");
        long now = known[^1].Timestamp + 3600;
        var users = new List<(IReadOnlyList<string?>? Profile, HistoryEvent[] History, long Now)>
        {
            (InSpecOrder(model, data.Users!, "u1", item: false), known, now),                  // more events than N
            (InSpecOrder(model, data.Users!, "u2", item: false), HistoryOf("u2")[..3], now),   // fewer than N
            (["seg3", "41"], [], now),                                                        // new user: profile only
            (null, [], now),                                                                  // nothing known at all
            (["seg1", "30"], [new HistoryEvent("i5", EventTypes.Purchase, 1, now - 10)], now), // one event
            (null, [new HistoryEvent("never-seen", "custom_event", 1, now - 86_400 * 40), new HistoryEvent("i8", EventTypes.Rating, 4, now)], now),
            // Arabic item ids and an item with an Arabic title; a rating of 0 weighs nothing and is left out.
            (["seg3", "25"], [new HistoryEvent("خاتم ذهب", EventTypes.Purchase, 1, now - 50), new HistoryEvent("i3", EventTypes.View, 1, now - 40),
                new HistoryEvent("i7", EventTypes.Rating, 0, now - 30), new HistoryEvent("سلسال ذهب", EventTypes.AddToCart, 1, now - 20)], now),
            (null, [new HistoryEvent("i9", EventTypes.Rating, 0, now)], now),                  // nothing of weight: like a new user
        };
        var expected = _trained.Trainer.TorchEmbedUsers(users);
        Span<float> actual = stackalloc float[model.Dimension];
        for (int i = 0; i < users.Count; i++)
        {
            model.EmbedUser(users[i].Profile, users[i].History, users[i].Now, actual);
            AssertClose(expected[i], actual, $"user case {i}");
        }
    }

    [Fact]
    public void Embeddings_AreUnitLength()
    {
        var model = _trained.Model;
        Span<float> v = stackalloc float[model.Dimension];
        model.EmbedItem("anything", null, v);
        Assert.Equal(1f, System.Numerics.Tensors.TensorPrimitives.Norm(v), 4);
        model.EmbedUser(null, [], 0, v);
        Assert.Equal(1f, System.Numerics.Tensors.TensorPrimitives.Norm(v), 4);
    }
}
