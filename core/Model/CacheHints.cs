using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics.X86;

namespace OrleansReco.Core.Model;

/// <summary>
/// Loads started ahead of use. A user refresh reads one history-table row per event, at random in a table of about four
/// rows per catalogue item (32 MB at 20,000 items, d 64): fetching every row of the window first lets the cache misses
/// overlap instead of waiting for one per event.
/// </summary>
internal static class CacheHints
{
    /// <summary>Hints the CPU to load <paramref name="row"/> (a 64-float row spans four cache lines). Only a hint: an
    /// address that moves meanwhile does no harm.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe void Prefetch(ReadOnlySpan<float> row)
    {
        if (!Sse.IsSupported || row.IsEmpty) return;
        byte* start = (byte*)Unsafe.AsPointer(ref MemoryMarshal.GetReference(row));
        for (int offset = 0; offset < row.Length * sizeof(float); offset += 64) Sse.Prefetch0(start + offset);
    }
}
