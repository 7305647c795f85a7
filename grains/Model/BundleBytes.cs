using System.Security.Cryptography;
using OrleansReco.Core.Model;

namespace OrleansReco.Grains.Model;

/// <summary>Bundle bytes (as the registry stores them) → a checked model.</summary>
public static class BundleBytes
{
    /// <summary>SHA-256 of <paramref name="bytes"/> as lower-case hex (what the registry records for a version).</summary>
    public static string Sha256(ReadOnlySpan<byte> bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    /// <summary>Parses and checks <paramref name="bytes"/> as a bundle and builds its model.</summary>
    /// <exception cref="InvalidDataException">Not a bundle, corrupt, truncated, or its tensors do not fit its header.</exception>
    public static TwoTowerModel Load(byte[] bytes)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        ModelBundle bundle;
        try { bundle = ModelBundle.Parse(bytes); }
        catch (InvalidDataException e) { throw new InvalidDataException($"Model bundle of {bytes.Length} bytes: {e.Message}", e); }
        try { return new TwoTowerModel(bundle); }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or KeyNotFoundException or InvalidDataException)
        {
            throw new InvalidDataException($"Model bundle {bundle.Header.Version}: {e.Message}", e);
        }
    }
}
