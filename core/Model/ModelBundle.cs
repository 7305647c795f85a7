using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace OrleansReco.Core.Model;

/// <summary>Linear map score → rating estimate, fitted on training ratings, clamped to the seen range.</summary>
public sealed class RatingCalibration
{
    public float Slope { get; init; }
    public float Intercept { get; init; }
    public float Min { get; init; }
    public float Max { get; init; }
    public float Estimate(float score) => Math.Clamp(Slope * score + Intercept, Min, Max);
}

/// <summary>Everything in a bundle besides the tensors: self-describing, stored as UTF-8 JSON.</summary>
public sealed class BundleHeader
{
    /// <summary>Model version string (e.g. <c>twotower-20250101T120000Z</c>).</summary>
    public string Version { get; init; } = "";
    public DateTimeOffset CreatedAt { get; init; }
    public int Dimension { get; init; }
    /// <summary>Hashed item-id buckets (rows of <c>item.id</c>) and the hash seed of item ids.</summary>
    public int IdBuckets { get; init; }
    public ulong IdHashSeed { get; init; }
    public required HistoryWeighting History { get; init; }
    public required TowerSpec Item { get; init; }
    public required TowerSpec User { get; init; }
    /// <summary>How the user tower aggregates the history; a bundle written before this field existed is <see cref="HistoryAggregation.Mean"/>.</summary>
    public HistoryAggregation Aggregation { get; init; }
    /// <summary>The attention encoder's shape when <see cref="Aggregation"/> is <see cref="HistoryAggregation.Attention"/>, else null.</summary>
    public AttentionSpec? Attention { get; init; }
    public RatingCalibration? Rating { get; init; }
    /// <summary>Training metrics and settings for reports (validation recall, epochs, loss, ...).</summary>
    public Dictionary<string, double> Metrics { get; init; } = [];
    public Dictionary<string, string> Settings { get; init; } = [];
}

/// <summary>A named float32 tensor of the bundle, row-major.</summary>
public sealed record BundleTensor(string Name, int[] Shape, float[] Data)
{
    public long Count => Shape.Aggregate(1L, (a, b) => a * b);
}

/// <summary>
/// The model bundle file. Layout (little-endian): magic <c>ORECOBND</c>; u32 format version; u32 header length;
/// UTF-8 JSON <see cref="BundleHeader"/>; u32 tensor count; per tensor: u16 name length, UTF-8 name, u8 rank,
/// i32 dims, float32 data; then u64 FNV-1a checksum of every byte before it and the end magic <c>ENDBNDL1</c>.
/// Written to a temp file and renamed, so readers never see half a file. Reading needs no TorchSharp.
/// </summary>
public sealed class ModelBundle
{
    /// <summary>
    /// The newest format this code reads and writes. Version 2 marks a bundle whose user tower is the attention
    /// encoder and version 3 one whose mean user tower also takes the short-term mean
    /// (<see cref="HistoryWeighting.RecentHalfLifeEvents"/>), so that a reader that knows neither refuses them instead
    /// of misreading them; a plain mean bundle is still written as version 1, readable by older silos.
    /// </summary>
    public const int FormatVersion = 3;
    private const int MeanFormatVersion = 1;
    private const int AttentionFormatVersion = 2;

    /// <summary>The oldest format that can hold <paramref name="header"/>'s user tower.</summary>
    private static int VersionFor(BundleHeader header) =>
        header.Aggregation == HistoryAggregation.Attention ? AttentionFormatVersion
        : header.History.HasRecent ? FormatVersion
        : MeanFormatVersion;
    private static readonly byte[] Magic = "ORECOBND"u8.ToArray();
    private static readonly byte[] EndMagic = "ENDBNDL1"u8.ToArray();
    private const int MaxHeaderBytes = 512 << 20;

    internal static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        Converters = { new JsonStringEnumConverter() },
        RespectRequiredConstructorParameters = true,
    };

    public ModelBundle(BundleHeader header, IEnumerable<BundleTensor> tensors)
    {
        Header = header;
        Tensors = tensors.ToDictionary(t => t.Name, StringComparer.Ordinal);
    }

    public BundleHeader Header { get; }
    public IReadOnlyDictionary<string, BundleTensor> Tensors { get; }

    /// <summary>The tensor named <paramref name="name"/> with the expected shape, or an error naming the field.</summary>
    public BundleTensor Tensor(string name, params int[] shape)
    {
        if (!Tensors.TryGetValue(name, out var t))
            throw new InvalidDataException($"Model bundle has no tensor '{name}'.");
        if (!t.Shape.AsSpan().SequenceEqual(shape))
            throw new InvalidDataException($"Model bundle tensor '{name}' has shape [{string.Join(",", t.Shape)}], expected [{string.Join(",", shape)}].");
        return t;
    }

    /// <summary>Writes the bundle atomically: to <c>path.tmp-*</c>, flushed, then renamed over <paramref name="path"/>.</summary>
    public void Write(string path)
    {
        string full = Path.GetFullPath(path);
        string? dir = Path.GetDirectoryName(full);
        if (!string.IsNullOrEmpty(dir)) Directory.CreateDirectory(dir);
        string temp = $"{full}.tmp-{Environment.ProcessId}-{Guid.NewGuid():N}";
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
            {
                WriteTo(stream);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temp, full, overwrite: true);
        }
        catch
        {
            try { File.Delete(temp); } catch (IOException) { } catch (UnauthorizedAccessException) { }
            throw;
        }
    }

    /// <summary>The bundle's bytes, exactly as <see cref="Write"/> lays them out in a file.</summary>
    public byte[] ToBytes()
    {
        using var stream = new MemoryStream();
        WriteTo(stream);
        return stream.ToArray();
    }

    private void WriteTo(Stream stream)
    {
        var hashing = new HashingStream(stream);
        using var w = new BinaryWriter(hashing, Encoding.UTF8, leaveOpen: true);
        w.Write(Magic);
        w.Write(VersionFor(Header));
        byte[] header = JsonSerializer.SerializeToUtf8Bytes(Header, Json);
        w.Write(header.Length);
        w.Write(header);
        w.Write(Tensors.Count);
        foreach (var t in Tensors.Values.OrderBy(t => t.Name, StringComparer.Ordinal))
        {
            if (t.Count != t.Data.Length)
                throw new InvalidOperationException($"Tensor '{t.Name}' has {t.Data.Length} values for shape [{string.Join(",", t.Shape)}].");
            byte[] name = Encoding.UTF8.GetBytes(t.Name);
            w.Write((ushort)name.Length);
            w.Write(name);
            w.Write((byte)t.Shape.Length);
            foreach (int d in t.Shape) w.Write(d);
            if (BitConverter.IsLittleEndian) w.Write(MemoryMarshal.AsBytes(t.Data.AsSpan()));
            else foreach (float f in t.Data) w.Write(f);
        }
        w.Flush();
        ulong checksum = hashing.Hash;
        Span<byte> tail = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(tail, checksum);
        stream.Write(tail);
        stream.Write(EndMagic);
    }

    /// <summary>
    /// Reads and checks a bundle. A foreign, truncated, corrupt or newer-format file throws
    /// <see cref="InvalidDataException"/> whose message names the file and the field.
    /// </summary>
    public static ModelBundle Read(string path)
    {
        byte[] bytes;
        try { bytes = File.ReadAllBytes(path); }
        catch (FileNotFoundException) { throw new FileNotFoundException($"Model bundle '{path}' does not exist.", path); }
        try
        {
            return Parse(bytes);
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"Model bundle '{path}': {e.Message}", e);
        }
    }

    /// <summary>
    /// Reads and checks a bundle held in memory (e.g. fetched from the model registry). A foreign, truncated,
    /// corrupt or newer-format buffer throws <see cref="InvalidDataException"/> naming the field.
    /// </summary>
    public static ModelBundle Parse(ReadOnlySpan<byte> bytes)
    {
        var r = new SpanReader(bytes);
        if (!r.Bytes(Magic.Length, "magic").SequenceEqual(Magic))
            throw new InvalidDataException("field 'magic' is not ORECOBND: not a model bundle.");
        int version = r.Int32("formatVersion");
        if (version is < MeanFormatVersion or > FormatVersion)
            throw new InvalidDataException($"field 'formatVersion' is {version}; this reader understands {MeanFormatVersion} to {FormatVersion}.");
        int headerLength = r.Int32("headerLength");
        if (headerLength <= 0 || headerLength > MaxHeaderBytes)
            throw new InvalidDataException($"field 'headerLength' {headerLength} is out of range.");
        var headerBytes = r.Bytes(headerLength, "header");
        int tensorCount = r.Int32("tensorCount");
        if (tensorCount < 0 || tensorCount > 100_000)
            throw new InvalidDataException($"field 'tensorCount' {tensorCount} is out of range.");
        var tensors = new List<BundleTensor>(tensorCount);
        for (int i = 0; i < tensorCount; i++)
        {
            string field = $"tensors[{i}]";
            int nameLength = r.UInt16(field + ".nameLength");
            string name = Encoding.UTF8.GetString(r.Bytes(nameLength, field + ".name"));
            field = $"tensor '{name}'";
            int rank = r.Byte(field + ".rank");
            var shape = new int[rank];
            long count = 1;
            for (int k = 0; k < rank; k++)
            {
                shape[k] = r.Int32($"{field}.shape[{k}]");
                if (shape[k] < 0) throw new InvalidDataException($"field '{field}.shape[{k}]' is negative ({shape[k]}).");
                count *= shape[k];
            }
            if (count * 4 > r.Remaining)
                throw new InvalidDataException($"field '{field}.data' is truncated: {count} floats declared, {r.Remaining} bytes left.");
            var data = MemoryMarshal.Cast<byte, float>(r.Bytes((int)(count * 4), field + ".data")).ToArray();
            if (!BitConverter.IsLittleEndian)
                for (int k = 0; k < data.Length; k++)
                    data[k] = BitConverter.Int32BitsToSingle(BinaryPrimitives.ReverseEndianness(BitConverter.SingleToInt32Bits(data[k])));
            tensors.Add(new BundleTensor(name, shape, data));
        }
        int payload = r.Position;
        ulong stored = r.UInt64("checksum");
        if (!r.Bytes(EndMagic.Length, "endMagic").SequenceEqual(EndMagic))
            throw new InvalidDataException("field 'endMagic' is wrong: the file is corrupt or has trailing data.");
        if (r.Remaining != 0) throw new InvalidDataException($"field 'endMagic' is followed by {r.Remaining} unexpected bytes.");
        ulong actual = HashingStream.Fnv(bytes[..payload]);
        if (actual != stored)
            throw new InvalidDataException($"field 'checksum' does not match the contents (stored {stored:x16}, computed {actual:x16}): the file is corrupt.");

        BundleHeader header;
        try
        {
            header = JsonSerializer.Deserialize<BundleHeader>(headerBytes, Json)
                ?? throw new InvalidDataException("field 'header' is null.");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"field 'header{e.Path?.TrimStart('$')}' is invalid: {e.Message}", e);
        }
        Validate(header);
        if (header.Aggregation != HistoryAggregation.Mean && version < AttentionFormatVersion)
            throw new InvalidDataException($"field 'header.aggregation' is {header.Aggregation} in a format-{version} bundle, which has only the mean.");
        if (header.History.HasRecent && version < FormatVersion)
            throw new InvalidDataException($"field 'header.history.recentHalfLifeEvents' is {header.History.RecentHalfLifeEvents} in a format-{version} bundle, which has no short-term mean.");
        return new ModelBundle(header, tensors);
    }

    private static void Validate(BundleHeader h)
    {
        if (h.Dimension <= 0) throw new InvalidDataException($"field 'header.dimension' {h.Dimension} must be positive.");
        if (h.IdBuckets <= 0) throw new InvalidDataException($"field 'header.idBuckets' {h.IdBuckets} must be positive.");
        if (string.IsNullOrEmpty(h.Version)) throw new InvalidDataException("field 'header.version' is empty.");
        h.History.Validate("field 'header.history'");
        switch (h.Aggregation)
        {
            case HistoryAggregation.Mean:
                break;
            case HistoryAggregation.Attention:
                if (h.Attention is null) throw new InvalidDataException("field 'header.attention' is missing; aggregation Attention needs it.");
                if (h.History.HasRecent)
                    throw new InvalidDataException("field 'header.history.recentHalfLifeEvents' must be 0 with aggregation Attention (the short-term mean belongs to the mean user tower).");
                h.Attention.Validate("field 'header.attention'", h.Dimension);
                break;
            default:
                throw new InvalidDataException($"field 'header.aggregation' {(int)h.Aggregation} is unknown; known: Mean, Attention.");
        }
        for (int i = 0; i < h.Item.Features.Count; i++) h.Item.Features[i].Validate($"field 'header.item.features[{i}]'");
        for (int i = 0; i < h.User.Features.Count; i++) h.User.Features[i].Validate($"field 'header.user.features[{i}]'");
    }

    private ref struct SpanReader(ReadOnlySpan<byte> data)
    {
        private readonly ReadOnlySpan<byte> _data = data;
        public int Position { get; private set; }
        public readonly int Remaining => _data.Length - Position;

        public ReadOnlySpan<byte> Bytes(int count, string field)
        {
            if (count < 0 || count > Remaining)
                throw new InvalidDataException($"field '{field}' is truncated: needs {count} bytes at offset {Position}, {Remaining} left.");
            var s = _data.Slice(Position, count);
            Position += count;
            return s;
        }

        public byte Byte(string field) => Bytes(1, field)[0];
        public ushort UInt16(string field) => BinaryPrimitives.ReadUInt16LittleEndian(Bytes(2, field));
        public int Int32(string field) => BinaryPrimitives.ReadInt32LittleEndian(Bytes(4, field));
        public ulong UInt64(string field) => BinaryPrimitives.ReadUInt64LittleEndian(Bytes(8, field));
    }

    /// <summary>Pass-through write stream that keeps a running FNV-1a 64 of what went through.</summary>
    private sealed class HashingStream(Stream inner) : Stream
    {
        public ulong Hash { get; private set; } = 14695981039346656037UL;

        public static ulong Fnv(ReadOnlySpan<byte> data)
        {
            ulong h = 14695981039346656037UL;
            foreach (byte b in data) { h ^= b; h *= 1099511628211UL; }
            return h;
        }

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            ulong h = Hash;
            foreach (byte b in buffer) { h ^= b; h *= 1099511628211UL; }
            Hash = h;
            inner.Write(buffer);
        }

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));
        public override void WriteByte(byte value) => Write([value]);
        public override void Flush() => inner.Flush();
        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
