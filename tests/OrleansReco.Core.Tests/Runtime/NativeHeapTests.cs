using System.Runtime.InteropServices;
using OrleansReco.Core.Runtime;

namespace OrleansReco.Core.Tests.Runtime;

/// <summary>
/// The C library's allocator keeps what native code frees: after <see cref="NativeHeap.KeepFreedBlocks"/>, blocks of
/// the sizes a training step's tensors have are reused by the next step instead of being mapped (and zeroed by the
/// kernel, one page fault per page) again. With glibc's defaults every round below faults on every page again.
/// </summary>
public sealed class NativeHeapTests
{
    private static readonly int[] BlockMiB = [2, 6, 11, 4, 9, 3];

    [Fact]
    public void KeepFreedBlocks_SaysWhatItSet_AndIsApplied_Once()
    {
        string setting = NativeHeap.KeepFreedBlocks();

        Assert.Same(setting, NativeHeap.KeepFreedBlocks());
        Assert.Same(setting, NativeHeap.Setting);
        if (NativeHeap.UserChoice is { } chosen)
            Assert.Equal($"as set by {chosen}", setting);
        else
            Assert.Equal("mmap threshold 32 MiB, trim threshold 256 MiB", setting);
    }

    [Fact]
    public void FreedTensorSizedBlocks_AreReused_WithoutNewPageFaults()
    {
        Assert.True(OperatingSystem.IsLinux(), "The project runs on Linux.");
        if (NativeHeap.UserChoice is not null) return; // the user's settings apply instead
        NativeHeap.KeepFreedBlocks();

        // On a thread of its own (its own allocator arena, as libtorch's workers have), five rounds of allocating,
        // writing (a byte per page) and freeing blocks of 2-11 MiB; the thread's own page faults are counted, so other tests do not count.
        var faults = new long[5];
        var worker = new Thread(() =>
        {
            for (int round = 0; round < faults.Length; round++)
            {
                long before = ThreadFaults();
                var blocks = new List<IntPtr>();
                foreach (int mib in BlockMiB)
                {
                    int bytes = mib << 20;
                    IntPtr block = Marshal.AllocHGlobal(bytes); // malloc on Linux
                    for (int offset = 0; offset < bytes; offset += 4096) Marshal.WriteByte(block, offset, 1);
                    blocks.Add(block);
                }
                foreach (var block in blocks) Marshal.FreeHGlobal(block);
                faults[round] = ThreadFaults() - before;
            }
        });
        worker.Start();
        worker.Join();

        long firstRound = BlockMiB.Sum() * 256L; // 4 KiB pages written in the first round
        Assert.True(faults[0] >= firstRound / 2, $"first round: {faults[0]} faults for {firstRound} pages written");
        // Without the setting every round faults on every page again (about 9,000 faults each). With it the later rounds
        // reuse the first round's pages; other tests' threads may share the thread's arena and take a few pages of it
        // (once: 772 faults in the second round, then 1, 0, 0), so the bound is on the later rounds together and the last.
        string rounds = $"page faults per round: {string.Join(", ", faults)}";
        Assert.True(faults.Skip(1).Sum() < firstRound / 2, rounds);
        Assert.True(faults[^1] < firstRound / 20, rounds);
    }

    /// <summary>Minor page faults of the calling thread (<c>/proc/self/task/TID/stat</c>, field 10).</summary>
    private static long ThreadFaults()
    {
        string stat = File.ReadAllText($"/proc/self/task/{NativeThreads.CurrentId}/stat");
        return long.Parse(stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[7]);
    }
}
