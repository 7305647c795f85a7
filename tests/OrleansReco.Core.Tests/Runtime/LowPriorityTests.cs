using OrleansReco.Core.Runtime;

namespace OrleansReco.Core.Tests.Runtime;

public sealed class LowPriorityTests
{
    [Fact]
    public async Task RunAsync_RunsTheWorkAndTheParallelLoopsItStarts_AtTheNiceValue_AndTheCallerKeepsItsOwn()
    {
        if (!OperatingSystem.IsLinux()) return; // nice values are Linux's; elsewhere the work runs at the caller's priority
        const string name = "low-priority-test";
        int callerNice = NativeThreads.NiceOf(NativeThreads.CurrentId); // the test runner may itself run lowered

        var (self, loop) = await LowPriority.RunAsync(6, name, () =>
        {
            var seen = new System.Collections.Concurrent.ConcurrentBag<int>();
            // A parallel loop, as the index build and the hold-out scoring run them.
            Parallel.For(0, 16, LowPriority.LoopOptions(4), _ =>
            {
                seen.Add(NativeThreads.NiceOf(NativeThreads.CurrentId));
                Thread.SpinWait(10_000);
            });
            return (NativeThreads.NiceOf(NativeThreads.CurrentId), seen.ToArray());
        });

        Assert.Equal(6, self);
        Assert.Equal(16, loop.Length);
        Assert.All(loop, nice => Assert.Equal(6, nice));
        Assert.Equal(callerNice, NativeThreads.NiceOf(NativeThreads.CurrentId));
    }

    [Fact]
    public async Task RunAsync_PassesTheWorksException()
    {
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() =>
            LowPriority.RunAsync<int>(3, "throw-test", () => throw new InvalidOperationException("boom")));
        Assert.Equal("boom", error.Message);
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(20)]
    public void RunAsync_RefusesANiceValueOutside0To19(int nice) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => { _ = LowPriority.RunAsync(nice, "bad", () => 0); }); // refused before any thread starts
}
