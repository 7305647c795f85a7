using System.Runtime.InteropServices;

namespace OrleansReco.Grains.Storage;

/// <summary>
/// The binary records of the user and shard stores: each starts with a magic byte for its kind and a format version
/// byte; strings are UTF-8 with a 7-bit encoded length (<see cref="BinaryWriter"/>'s own), counts 7-bit encoded.
/// A record that cannot be read is refused with an <see cref="InvalidDataException"/> naming the stored key.
/// </summary>
public static class StoredFormat
{
    /// <summary>The format version this build writes and reads.</summary>
    public const byte Version = 1;

    public static BinaryWriter Begin(MemoryStream buffer, byte kind)
    {
        var writer = new BinaryWriter(buffer);
        writer.Write(kind);
        writer.Write(Version);
        return writer;
    }

    /// <summary>Decodes <paramref name="data"/> with <paramref name="read"/>, after checking its kind and version.</summary>
    public static T Read<T>(byte[] data, byte kind, string what, string key, Func<BinaryReader, T> read)
    {
        try
        {
            using var reader = new BinaryReader(new MemoryStream(data, writable: false));
            byte actualKind = reader.ReadByte(), version = reader.ReadByte();
            if (actualKind != kind) throw new InvalidDataException($"it is not a {what} record (kind byte {actualKind}, expected {kind})");
            if (version != Version) throw new InvalidDataException($"its format version is {version}; this build reads version {Version}");
            var value = read(reader);
            if (reader.BaseStream.Position != data.Length) throw new InvalidDataException($"{data.Length - reader.BaseStream.Position} bytes follow the record");
            return value;
        }
        catch (Exception e) when (e is EndOfStreamException or InvalidDataException or IOException or ArgumentException or OverflowException or FormatException)
        {
            throw new InvalidDataException($"Stored {what} '{key}' cannot be read ({data.Length} bytes): {e.Message}.", e);
        }
    }

    public static void WriteNullable(this BinaryWriter writer, string? value)
    {
        writer.Write(value is not null);
        if (value is not null) writer.Write(value);
    }

    public static string? ReadNullable(this BinaryReader reader) => reader.ReadBoolean() ? reader.ReadString() : null;

    /// <summary>A map as count + 1 (0: null), then key and value strings.</summary>
    public static void WriteMap(this BinaryWriter writer, IReadOnlyDictionary<string, string>? map)
    {
        writer.Write7BitEncodedInt(map is null ? 0 : map.Count + 1);
        if (map is null) return;
        foreach (var (k, v) in map)
        {
            writer.Write(k);
            writer.Write(v);
        }
    }

    public static Dictionary<string, string>? ReadMap(this BinaryReader reader)
    {
        int count = Count(reader, 1_000_000) - 1;
        if (count < 0) return null;
        var map = new Dictionary<string, string>(count, StringComparer.Ordinal);
        for (int i = 0; i < count; i++) map[reader.ReadString()] = reader.ReadString();
        return map;
    }

    public static void WriteFloats(this BinaryWriter writer, ReadOnlySpan<float> values)
    {
        writer.Write7BitEncodedInt(values.Length);
        writer.Write(MemoryMarshal.AsBytes(values));
    }

    public static float[] ReadFloats(this BinaryReader reader)
    {
        var values = new float[Count(reader, 1 << 20)];
        if (reader.Read(MemoryMarshal.AsBytes(values.AsSpan())) != values.Length * sizeof(float))
            throw new EndOfStreamException("the record ends inside a float array");
        return values;
    }

    public static void WriteLongs(this BinaryWriter writer, ReadOnlySpan<long> values)
    {
        writer.Write7BitEncodedInt(values.Length);
        writer.Write(MemoryMarshal.AsBytes(values));
    }

    public static long[] ReadLongs(this BinaryReader reader)
    {
        var values = new long[Count(reader, 1 << 24)];
        if (reader.Read(MemoryMarshal.AsBytes(values.AsSpan())) != values.Length * sizeof(long))
            throw new EndOfStreamException("the record ends inside an array of event-id hashes");
        return values;
    }

    /// <summary>A 7-bit encoded count, refused when negative or above <paramref name="max"/> (a corrupt length).</summary>
    public static int Count(BinaryReader reader, int max)
    {
        int count = reader.Read7BitEncodedInt();
        if (count < 0 || count > max) throw new InvalidDataException($"a count of {count} is out of range [0, {max}]");
        return count;
    }
}
