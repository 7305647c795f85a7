using OrleansReco.Core.Model;
using OrleansReco.Training.TwoTower;

namespace OrleansReco.Training.Tests;

/// <summary>The bundle file: round-trip, and rejection of corrupt, truncated and foreign files.</summary>
public sealed class ModelBundleTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("bundle-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private string TrainedBundle(HistoryAggregation aggregation = HistoryAggregation.Mean, double recentHalfLife = 0)
    {
        var data = FeatureData.Create(users: 40, items: 30, eventsPerUser: 5);
        using var trainer = new TwoTowerTrainer(data, new TwoTowerOptions
        {
            Dimension = 8, ItemHidden = [16], UserHidden = [16], CategoricalDim = 4, TextDim = 4, TextBuckets = 256,
            BatchSize = 32, Epochs = 1, Validate = false, Threads = 1, Aggregation = aggregation, RecentHalfLife = recentHalfLife,
        });
        trainer.Train();
        string path = Path.Combine(_folder, "model.bundle");
        trainer.ExportBundle().Write(path);
        return path;
    }

    [Fact]
    public void Write_ThenRead_RoundTripsHeaderAndTensors()
    {
        string path = TrainedBundle();
        var read = ModelBundle.Read(path);
        string again = Path.Combine(_folder, "again.bundle");
        read.Write(again);
        Assert.Equal(File.ReadAllBytes(path), File.ReadAllBytes(again));
        Assert.Equal(8, read.Header.Dimension);
        Assert.Contains(read.Header.Item.Features, f => f.Name == "title" && f.Kind == Core.Data.FeatureKind.Text);
        Assert.Contains(read.Header.Item.Features, f => f.Name == "category" && f.Vocabulary.Contains("cat1"));
        Assert.StartsWith("twotower-", read.Header.Version);
        Assert.Empty(Directory.GetFiles(_folder, "*.tmp-*"));
    }

    [Fact]
    public void Read_ThrowsNamingChecksum_ForFlippedByte()
    {
        string path = TrainedBundle();
        var bytes = File.ReadAllBytes(path);
        bytes[bytes.Length / 2] ^= 0x40;
        File.WriteAllBytes(path, bytes);
        var e = Assert.Throws<InvalidDataException>(() => ModelBundle.Read(path));
        Assert.Contains(path, e.Message);
        Assert.Contains("checksum", e.Message);
    }

    [Fact]
    public void Read_ThrowsNamingField_ForTruncatedFile()
    {
        string path = TrainedBundle();
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..(bytes.Length - 100)]);
        var e = Assert.Throws<InvalidDataException>(() => ModelBundle.Read(path));
        Assert.Contains("truncated", e.Message);
    }

    [Fact]
    public void Read_ThrowsNotABundle_ForForeignFile()
    {
        string path = Path.Combine(_folder, "foreign.bin");
        File.WriteAllText(path, "user_id,item_id\n1,2\n");
        var e = Assert.Throws<InvalidDataException>(() => ModelBundle.Read(path));
        Assert.Contains("not a model bundle", e.Message);
    }

    [Fact]
    public void Read_ThrowsNamingVersion_ForNewerFormat()
    {
        string path = TrainedBundle();
        var bytes = File.ReadAllBytes(path);
        bytes[8] = 99; // format version follows the 8-byte magic
        File.WriteAllBytes(path, bytes);
        var e = Assert.Throws<InvalidDataException>(() => ModelBundle.Read(path));
        Assert.Contains("formatVersion", e.Message);
    }

    /// <summary>Replaces the JSON header of the bundle file at <paramref name="path"/> and recomputes its checksum.</summary>
    private static void RewriteHeader(string path, Func<string, string> edit)
    {
        var bytes = File.ReadAllBytes(path);
        int length = BitConverter.ToInt32(bytes, 12);
        string header = edit(System.Text.Encoding.UTF8.GetString(bytes, 16, length));
        byte[] json = System.Text.Encoding.UTF8.GetBytes(header);
        var body = bytes[..12].Concat(BitConverter.GetBytes(json.Length)).Concat(json).Concat(bytes[(16 + length)..^16]).ToArray();
        ulong hash = 14695981039346656037UL;
        foreach (byte b in body) { hash ^= b; hash *= 1099511628211UL; }
        File.WriteAllBytes(path, [.. body, .. BitConverter.GetBytes(hash), .. bytes[^8..]]);
    }

    [Fact]
    public void Write_AttentionBundle_IsFormatTwoAndRoundTrips()
    {
        string path = TrainedBundle(HistoryAggregation.Attention);
        Assert.Equal(2, File.ReadAllBytes(path)[8]);
        var read = ModelBundle.Read(path);
        Assert.Equal(HistoryAggregation.Attention, read.Header.Aggregation);
        Assert.NotNull(read.Header.Attention);
        Assert.Contains(UserAttention.Names.Position, read.Tensors.Keys);
        Assert.Equal(1, File.ReadAllBytes(TrainedBundle())[8]); // a mean bundle stays readable by older readers
    }

    [Fact]
    public void Write_ShortTermMeanBundle_IsFormatThreeAndRoundTrips()
    {
        string path = TrainedBundle(recentHalfLife: 3);
        Assert.Equal(3, File.ReadAllBytes(path)[8]);
        var read = ModelBundle.Read(path);
        Assert.Equal(3, read.Header.History.RecentHalfLifeEvents);
        // The user tower's first layer reads both means (2 × d = 16 inputs), then the profile features.
        Assert.Equal([16, 16 + read.Header.User.InputWidth(0)], read.Tensors[TwoTowerModel.TensorNames.Weight("user", 0)].Shape);
        var model = new TwoTowerModel(read);
        var v = new float[model.Dimension];
        model.EmbedUser(null, [new HistoryEvent("i1", "view", 1, 10), new HistoryEvent("i2", "view", 1, 20)], 20, v);
        Assert.Equal(1f, System.Numerics.Tensors.TensorPrimitives.Norm(v), 4);
    }

    [Fact]
    public void Read_ThrowsNamingRecentHalfLife_ForShortTermMeanInAnOlderFormat()
    {
        string path = TrainedBundle(recentHalfLife: 3);
        var bytes = File.ReadAllBytes(path);
        bytes[8] = 1;
        File.WriteAllBytes(path, bytes);
        RewriteHeader(path, h => h); // recompute the checksum over the changed version
        var e = Assert.Throws<InvalidDataException>(() => ModelBundle.Read(path));
        Assert.Contains("header.history.recentHalfLifeEvents", e.Message);
    }

    [Fact]
    public void Read_BundleWithoutAggregation_ReadsAsMean()
    {
        string path = TrainedBundle();
        RewriteHeader(path, h => System.Text.RegularExpressions.Regex.Replace(h, "\"aggregation\":\"[A-Za-z]+\",", ""));
        Assert.DoesNotContain("aggregation", System.Text.Encoding.UTF8.GetString(File.ReadAllBytes(path)));
        var model = TwoTowerModel.Load(path);
        Assert.Equal(HistoryAggregation.Mean, model.Header.Aggregation);
        var v = new float[model.Dimension];
        model.EmbedUser(null, [new HistoryEvent("i1", "view", 1, 10)], 10, v);
        Assert.Equal(1f, System.Numerics.Tensors.TensorPrimitives.Norm(v), 4);
    }

    [Theory]
    [InlineData("\"Transformer\"")]
    [InlineData("7")]
    public void Read_ThrowsNamingAggregation_ForUnknownAggregation(string value)
    {
        string path = TrainedBundle();
        RewriteHeader(path, h => System.Text.RegularExpressions.Regex.Replace(h, "\"aggregation\":\"[A-Za-z]+\"", $"\"aggregation\":{value}"));
        var e = Assert.Throws<InvalidDataException>(() => ModelBundle.Read(path));
        Assert.Contains("header.aggregation", e.Message);
    }

    [Fact]
    public void Read_ThrowsNamingAttention_ForAttentionWithoutItsShape()
    {
        string path = TrainedBundle(HistoryAggregation.Attention);
        RewriteHeader(path, h =>
        {
            Assert.Matches("\"attention\":\\{", h); // the trained bundle carries the encoder's shape, which is removed here
            return System.Text.RegularExpressions.Regex.Replace(h, "\"attention\":\\{[^}]*\\}", "\"attention\":null");
        });
        var e = Assert.Throws<InvalidDataException>(() => ModelBundle.Read(path));
        Assert.Contains("header.attention", e.Message);
    }
}
