using System.Runtime.InteropServices;
using System.Text;

namespace OrleansReco.Core.Index;

/// <summary>
/// The on-disk layout shared by both index kinds (little-endian):
/// <code>
/// magic    8 bytes  "ORVINDEX"
/// version  int32    1
/// kind     int32    1 = HNSW, 2 = brute force
/// metric   int32    VectorMetric
/// d        int32    dimension
/// M, M0, efConstruction, efSearch, seed  int32 each; keepPruned int32; exactScanBelowPassRate float64
/// nodes    int32    stored nodes (deleted included); live int32; entry int64 (HNSW; -1 when empty)
/// labels   int32[nodes], state uint8[nodes], levels uint8[nodes], vectors float32[nodes·d]
/// links0   int32[nodes·(M0+1)]; then, per node with level L &gt; 0, int32[L·(M+1)]   (HNSW only)
/// end      8 bytes  "ORVIEND."
/// </code>
/// Every field is checked on load; a mismatch names the field and the value found.
/// </summary>
internal static class IndexFormat
{
    public const int Version = 1;
    public const int KindHnsw = 1;
    public const int KindBruteForce = 2;
    public static ReadOnlySpan<byte> Magic => "ORVINDEX"u8;
    public static ReadOnlySpan<byte> EndMarker => "ORVIEND."u8;

    public static void WriteSpan<T>(BinaryWriter writer, ReadOnlySpan<T> values) where T : unmanaged =>
        writer.Write(MemoryMarshal.AsBytes(values));

    public static void ReadSpan<T>(BinaryReader reader, Span<T> destination, string field) where T : unmanaged
    {
        var bytes = MemoryMarshal.AsBytes(destination);
        int read = reader.BaseStream.ReadAtLeast(bytes, bytes.Length, throwOnEndOfStream: false);
        if (read != bytes.Length)
            throw new InvalidDataException($"Vector index file ends early while reading '{field}' ({read} of {bytes.Length} bytes).");
    }

    public static int ReadInt(BinaryReader reader, string field)
    {
        try { return reader.ReadInt32(); }
        catch (EndOfStreamException) { throw new InvalidDataException($"Vector index file ends early while reading '{field}'."); }
    }

    public static long ReadLong(BinaryReader reader, string field)
    {
        try { return reader.ReadInt64(); }
        catch (EndOfStreamException) { throw new InvalidDataException($"Vector index file ends early while reading '{field}'."); }
    }

    public static double ReadDouble(BinaryReader reader, string field)
    {
        try { return reader.ReadDouble(); }
        catch (EndOfStreamException) { throw new InvalidDataException($"Vector index file ends early while reading '{field}'."); }
    }

    public static void ExpectMarker(BinaryReader reader, ReadOnlySpan<byte> expected, string field)
    {
        Span<byte> found = stackalloc byte[expected.Length];
        int read = reader.BaseStream.ReadAtLeast(found, found.Length, throwOnEndOfStream: false);
        if (read != expected.Length || !found.SequenceEqual(expected))
            throw new InvalidDataException(
                $"Not an OrleansReco vector index, or a damaged one: field '{field}' is \"{Encoding.ASCII.GetString(found[..read])}\", expected \"{Encoding.ASCII.GetString(expected)}\".");
    }

    /// <summary>Header fields common to both kinds.</summary>
    public readonly record struct Header(int Kind, VectorMetric Metric, int Dimension, HnswOptions Options, int Nodes, int Live, long Entry);

    public static void WriteHeader(BinaryWriter writer, in Header header)
    {
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("The vector index format is little-endian.");
        writer.Write(Magic);
        writer.Write(Version);
        writer.Write(header.Kind);
        writer.Write((int)header.Metric);
        writer.Write(header.Dimension);
        var o = header.Options;
        writer.Write(o.M);
        writer.Write(o.MaxM0);
        writer.Write(o.EfConstruction);
        writer.Write(o.EfSearch);
        writer.Write(o.Seed);
        writer.Write(o.KeepPrunedConnections ? 1 : 0);
        writer.Write(o.ExactScanBelowPassRate);
        writer.Write(header.Nodes);
        writer.Write(header.Live);
        writer.Write(header.Entry);
    }

    public static Header ReadHeader(BinaryReader reader)
    {
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("The vector index format is little-endian.");
        ExpectMarker(reader, Magic, "magic");
        int version = ReadInt(reader, "version");
        if (version != Version)
            throw new InvalidDataException($"Vector index field 'version' is {version}; this build reads version {Version}.");
        int kind = ReadInt(reader, "kind");
        if (kind is not (KindHnsw or KindBruteForce))
            throw new InvalidDataException($"Vector index field 'kind' is {kind}; expected {KindHnsw} (HNSW) or {KindBruteForce} (brute force).");
        int metric = ReadInt(reader, "metric");
        if (!Enum.IsDefined((VectorMetric)metric))
            throw new InvalidDataException($"Vector index field 'metric' is {metric}; expected 1 (Cosine) or 2 (SquaredL2).");
        int dimension = ReadInt(reader, "dimension");
        if (dimension <= 0 || dimension > 1 << 16)
            throw new InvalidDataException($"Vector index field 'dimension' is {dimension}; expected 1..65536.");
        var options = new HnswOptions
        {
            M = ReadInt(reader, "M"),
            M0 = ReadInt(reader, "M0"),
            EfConstruction = ReadInt(reader, "efConstruction"),
            EfSearch = ReadInt(reader, "efSearch"),
            Seed = ReadInt(reader, "seed"),
            KeepPrunedConnections = ReadInt(reader, "keepPruned") != 0,
            ExactScanBelowPassRate = ReadDouble(reader, "exactScanBelowPassRate"),
        };
        try { options.Validate(); }
        catch (ArgumentException e) { throw new InvalidDataException($"Vector index header holds invalid options: {e.Message}", e); }
        int nodes = ReadInt(reader, "nodes");
        int live = ReadInt(reader, "live");
        if (nodes < 0 || live < 0 || live > nodes)
            throw new InvalidDataException($"Vector index fields 'nodes' ({nodes}) and 'live' ({live}) are inconsistent.");
        long entry = ReadLong(reader, "entry");
        return new Header(kind, (VectorMetric)metric, dimension, options, nodes, live, entry);
    }
}
