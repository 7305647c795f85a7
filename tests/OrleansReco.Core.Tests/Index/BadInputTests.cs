using OrleansReco.Core.Index;

namespace OrleansReco.Core.Tests.Index;

public sealed class BadInputTests
{
    public static TheoryData<string> Kinds => new() { "hnsw", "brute" };

    private static IVectorIndex Make(string kind, VectorMetric metric = VectorMetric.Cosine)
    {
        var index = kind == "hnsw" ? VectorIndex.Create(metric, 4) : VectorIndex.CreateBruteForce(metric, 4);
        index.Add(1, [1f, 0f, 0f, 0f]);
        return index;
    }

    [Theory, MemberData(nameof(Kinds))]
    public void Add_ThrowsForDimensionMismatch(string kind)
    {
        using var index = Make(kind);
        Assert.Equal("vector", Assert.Throws<ArgumentException>(() => index.Add(2, [1f, 2f, 3f])).ParamName);
    }

    [Theory, MemberData(nameof(Kinds))]
    public void Add_ThrowsForNaNOrInfinity(string kind)
    {
        using var index = Make(kind);
        Assert.Equal("vector", Assert.Throws<ArgumentException>(() => index.Add(2, [1f, float.NaN, 0f, 0f])).ParamName);
        Assert.Equal("vector", Assert.Throws<ArgumentException>(() => index.Add(3, [1f, float.PositiveInfinity, 0f, 0f])).ParamName);
    }

    [Theory, MemberData(nameof(Kinds))]
    public void Add_ThrowsForZeroVectorUnderCosine(string kind)
    {
        using var index = Make(kind);
        Assert.Equal("vector", Assert.Throws<ArgumentException>(() => index.Add(2, new float[4])).ParamName);
        using var l2 = Make(kind, VectorMetric.SquaredL2);
        l2.Add(2, new float[4]);
    }

    [Theory, MemberData(nameof(Kinds))]
    public void Add_ThrowsForDuplicateId(string kind)
    {
        using var index = Make(kind);
        Assert.Equal("id", Assert.Throws<ArgumentException>(() => index.Add(1, [0f, 1f, 0f, 0f])).ParamName);
    }

    [Theory, MemberData(nameof(Kinds))]
    public void Update_ThrowsForUnknownId(string kind)
    {
        using var index = Make(kind);
        Assert.Equal("id", Assert.Throws<ArgumentException>(() => index.Update(99, [0f, 1f, 0f, 0f])).ParamName);
    }

    [Theory, MemberData(nameof(Kinds))]
    public void Search_ThrowsForNonPositiveK(string kind)
    {
        using var index = Make(kind);
        Assert.Equal("k", Assert.Throws<ArgumentException>(() => index.Search([1f, 0f, 0f, 0f], 0)).ParamName);
        Assert.Equal("k", Assert.Throws<ArgumentException>(() => index.Search([1f, 0f, 0f, 0f], -3, new SearchHit[4])).ParamName);
    }

    [Theory, MemberData(nameof(Kinds))]
    public void Search_ThrowsForQueryDimensionMismatchOrZeroQuery(string kind)
    {
        using var index = Make(kind);
        Assert.Equal("query", Assert.Throws<ArgumentException>(() => index.Search([1f, 0f], 1)).ParamName);
        Assert.Equal("query", Assert.Throws<ArgumentException>(() => index.Search(new float[4], 1)).ParamName);
    }

    [Fact]
    public void Create_ThrowsForBadOptions()
    {
        Assert.Equal("M", Assert.Throws<ArgumentException>(() => VectorIndex.Create(VectorMetric.Cosine, 4, new HnswOptions { M = 1 })).ParamName);
        Assert.Equal("dimension", Assert.Throws<ArgumentException>(() => VectorIndex.Create(VectorMetric.Cosine, 0)).ParamName);
    }

    [Fact]
    public void Load_ThrowsForForeignFile_NamingMagic()
    {
        using var stream = new MemoryStream("PK\u0003\u0004 not an index at all"u8.ToArray());
        var error = Assert.Throws<InvalidDataException>(() => VectorIndex.Load(stream));
        Assert.Contains("'magic'", error.Message);
    }

    [Fact]
    public void Load_ThrowsForNewerVersion_NamingVersion()
    {
        var bytes = Saved();
        BitConverter.GetBytes(99).CopyTo(bytes, 8);
        Assert.Contains("'version'", Assert.Throws<InvalidDataException>(() => VectorIndex.Load(new MemoryStream(bytes))).Message);
    }

    [Fact]
    public void Load_ThrowsForTruncatedFile_NamingField()
    {
        var bytes = Saved();
        var error = Assert.Throws<InvalidDataException>(() => VectorIndex.Load(new MemoryStream(bytes[..(bytes.Length - 30)])));
        Assert.Contains("ends early", error.Message);
    }

    [Fact]
    public void Load_ThrowsForCorruptLink_NamingNode()
    {
        var bytes = Saved();
        // Header is 72 bytes; then labels (4n), state (n), levels (n), vectors (4nd), links0: corrupt the first link of node 0.
        int n = 10, d = 4, header = 72;
        int links0 = header + 4 * n + n + n + 4 * n * d;
        BitConverter.GetBytes(12345).CopyTo(bytes, links0 + 4);
        var error = Assert.Throws<InvalidDataException>(() => VectorIndex.Load(new MemoryStream(bytes)));
        Assert.Contains("node 0", error.Message);
    }

    private static byte[] Saved()
    {
        using var index = VectorIndex.Create(VectorMetric.Cosine, 4);
        var random = new Random(1);
        for (int id = 0; id < 10; id++) index.Add(id, [(float)random.NextDouble() + 0.1f, (float)random.NextDouble(), 1f, 0f]);
        using var stream = new MemoryStream();
        index.Save(stream);
        return stream.ToArray();
    }
}
