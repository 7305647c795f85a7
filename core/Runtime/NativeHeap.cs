using System.Runtime.InteropServices;

namespace OrleansReco.Core.Runtime;

/// <summary>
/// How the C library's allocator keeps memory that native code (libtorch) frees, so that training does not pay the
/// kernel for every tensor it allocates.
/// <para>
/// glibc serves blocks above its mmap threshold (128 KiB at first, raised as such blocks are freed, up to 32 MiB) with
/// a fresh mapping each, unmapped on free, and gives the top of its heap back to the kernel once more than its trim
/// threshold (128 KiB at first) is free there. A training step allocates and frees tensors of megabytes, so each step
/// mapped them again and the kernel zeroed every page on first touch: on two cores `reco bench train --steps 20` spent
/// 10–38 seconds in the kernel, depending on the session. With the threshold at its largest and the heap keeping up to
/// 256 MiB free at its top, freed tensors are reused in place: about 2.6 s in the kernel, 1.1–2.7× the examples per
/// second (medians of two sessions), up to a tenth more peak memory (see the README).
/// </para>
/// <para>
/// Applied once per process, before libtorch's first allocation, unless the user chose the allocator's settings
/// (<c>MALLOC_MMAP_THRESHOLD_</c>, <c>MALLOC_TRIM_THRESHOLD_</c>, <c>MALLOC_TOP_PAD_</c>, <c>MALLOC_MMAP_MAX_</c> or
/// <c>GLIBC_TUNABLES</c> set). Elsewhere than glibc on Linux it does nothing and says so.
/// </para>
/// </summary>
public static class NativeHeap
{
    /// <summary>glibc's largest mmap threshold on 64-bit systems (<c>DEFAULT_MMAP_THRESHOLD_MAX</c>).</summary>
    public const int MmapThreshold = 32 * 1024 * 1024;

    /// <summary>Free memory the heap keeps at its top before giving it back to the kernel.</summary>
    public const int TrimThreshold = 256 * 1024 * 1024;

    /// <summary>Variables by which a user sets the allocator; any of them set leaves it as the user chose.</summary>
    public static readonly string[] UserVariables = ["MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_", "MALLOC_TOP_PAD_", "MALLOC_MMAP_MAX_", "GLIBC_TUNABLES"];

    /// <summary>The first of <see cref="UserVariables"/> set in this process's environment, or null.</summary>
    public static string? UserChoice => UserVariables.FirstOrDefault(v => NativeThreads.Get(v) is not null);

    private const int MTrimThreshold = -1;
    private const int MMmapThreshold = -3;

    private static readonly Lock Gate = new();
    private static string? _setting;

    /// <summary>What <see cref="KeepFreedBlocks"/> did (null before it ran).</summary>
    public static string? Setting => _setting;

    /// <summary>
    /// Sets the allocator to keep freed blocks (<see cref="MmapThreshold"/>, <see cref="TrimThreshold"/>) unless the
    /// user set it, or it is not glibc's. Idempotent; returns <see cref="Setting"/>.
    /// </summary>
    public static string KeepFreedBlocks()
    {
        lock (Gate)
        {
            if (_setting is not null) return _setting;
            if (UserChoice is { } chosen)
                return _setting = $"as set by {chosen}";
            if (!OperatingSystem.IsLinux()) return _setting = "the platform's default (not Linux)";
            try
            {
                // mallopt returns 1 on success; musl's stub returns 0 and changes nothing.
                if (mallopt(MMmapThreshold, MmapThreshold) != 1 || mallopt(MTrimThreshold, TrimThreshold) != 1)
                    return _setting = "the C library's default (it refused the settings)";
            }
            catch (EntryPointNotFoundException)
            {
                return _setting = "the C library's default (no mallopt)";
            }
            return _setting = $"mmap threshold {MmapThreshold >> 20} MiB, trim threshold {TrimThreshold >> 20} MiB";
        }
    }

    [DllImport("libc")]
    private static extern int mallopt(int param, int value);
}
