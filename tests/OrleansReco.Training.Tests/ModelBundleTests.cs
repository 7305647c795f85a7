using OrleansReco.Core.Model;
using OrleansReco.Training.TwoTower;

namespace OrleansReco.Training.Tests;

/// <summary>The bundle file: round-trip, and rejection of corrupt, truncated and foreign files.</summary>
public sealed class ModelBundleTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("bundle-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private string TrainedBundle()
    {
        var data = FeatureData.Create(users: 40, items: 30, eventsPerUser: 5);
        using var trainer = new TwoTowerTrainer(data, new TwoTowerOptions
        {
            Dimension = 8, ItemHidden = [16], UserHidden = [16], CategoricalDim = 4, TextDim = 4, TextBuckets = 256,
            BatchSize = 32, Epochs = 1, Validate = false, Threads = 1,
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
}
