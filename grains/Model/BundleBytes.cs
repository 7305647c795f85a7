using OrleansReco.Core.Model;

namespace OrleansReco.Grains.Model;

/// <summary>Bundle bytes ⇄ model, through a private temporary file (the bundle reader works on files).</summary>
public static class BundleBytes
{
    /// <summary>Parses and checks <paramref name="bytes"/> as a bundle and builds its model.</summary>
    /// <exception cref="InvalidDataException">Not a bundle, corrupt, truncated, or its tensors do not fit its header.</exception>
    public static TwoTowerModel Load(byte[] bytes)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        string path = Path.Combine(Path.GetTempPath(), $"reco-bundle-{Environment.ProcessId}-{Guid.NewGuid():N}.bundle");
        try
        {
            File.WriteAllBytes(path, bytes);
            ModelBundle bundle;
            try { bundle = ModelBundle.Read(path); }
            catch (InvalidDataException e) { throw new InvalidDataException(e.Message.Replace($"'{path}'", $"of {bytes.Length} bytes"), e); }
            try { return new TwoTowerModel(bundle); }
            catch (Exception e) when (e is ArgumentException or InvalidOperationException or KeyNotFoundException)
            {
                throw new InvalidDataException($"Model bundle {bundle.Header.Version}: {e.Message}", e);
            }
        }
        finally
        {
            try { File.Delete(path); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }

    /// <summary>The bytes of <paramref name="bundle"/> as <see cref="ModelBundle.Write"/> lays them out.</summary>
    public static byte[] ToBytes(ModelBundle bundle)
    {
        ArgumentNullException.ThrowIfNull(bundle);
        string path = Path.Combine(Path.GetTempPath(), $"reco-bundle-{Environment.ProcessId}-{Guid.NewGuid():N}.bundle");
        try
        {
            bundle.Write(path);
            return File.ReadAllBytes(path);
        }
        finally
        {
            try { File.Delete(path); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }
}
