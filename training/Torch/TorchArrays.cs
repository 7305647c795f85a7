using TorchSharp;
using static TorchSharp.torch;

namespace OrleansReco.Training.Torch;

/// <summary>
/// Tensors filled from managed arrays without a managed copy. <c>torch.tensor(T[])</c> clones its array first: for a
/// run's encoded features and tables that is tens of megabytes on the large-object heap, collected in the process that
/// also serves. These write into the tensor's own (native) memory instead.
/// </summary>
public static class TorchArrays
{
    /// <summary>A new tensor of <paramref name="shape"/> on <paramref name="device"/> holding <paramref name="data"/> (whose length must be the shape's size).</summary>
    public static Tensor From<T>(T[] data, ReadOnlySpan<long> shape, Device? device = null) where T : unmanaged
    {
        ArgumentNullException.ThrowIfNull(data);
        long size = 1;
        foreach (long d in shape) size *= d;
        if (size != data.Length) throw new ArgumentException($"{data.Length} values do not fill a tensor of {size}.", nameof(data));
        var host = zeros(shape, TypeOf<T>());
        using (var access = host.data<T>()) access.CopyFrom(data, 0, 0);
        if (device is null || device.type == DeviceType.CPU) return host;
        using (host) return host.to(device);
    }

    /// <summary>Copies <paramref name="data"/> into <paramref name="target"/>'s memory (a contiguous host tensor of as many elements).</summary>
    public static void CopyInto<T>(Tensor target, ReadOnlySpan<T> data) where T : unmanaged
    {
        ArgumentNullException.ThrowIfNull(target);
        if (target.numel() != data.Length) throw new ArgumentException($"{data.Length} values for a tensor of {target.numel()}.", nameof(data));
        using var access = target.data<T>();
        access.CopyFrom(data, 0, 0);
    }

    /// <summary>The libtorch element type of <typeparamref name="T"/> (the types the trainer stores).</summary>
    public static ScalarType TypeOf<T>() where T : unmanaged =>
        typeof(T) == typeof(long) ? ScalarType.Int64
        : typeof(T) == typeof(float) ? ScalarType.Float32
        : typeof(T) == typeof(int) ? ScalarType.Int32
        : typeof(T) == typeof(bool) ? ScalarType.Bool
        : throw new NotSupportedException($"No tensor element type for {typeof(T).Name}.");
}
