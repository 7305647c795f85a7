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
    public async Task RunAsync_Idle_PutsTheWorkAndTheThreadsItStarts_InTheIdleClass_AndTheCallerStaysOut()
    {
        if (!OperatingSystem.IsLinux()) return; // the scheduling class is Linux's
        var (self, child) = await LowPriority.RunAsync(3, "idle-class-test", () =>
        {
            // A task the work starts gets a thread of its own, created by this one: it inherits the class.
            var started = Task.Factory.StartNew(() => NativeThreads.IsIdleScheduled(NativeThreads.CurrentId),
                CancellationToken.None, TaskCreationOptions.None, TaskScheduler.Current);
            return (NativeThreads.IsIdleScheduled(NativeThreads.CurrentId), started.GetAwaiter().GetResult());
        }, idle: true);
        bool plain = await LowPriority.RunAsync(3, "normal-class-test", () => NativeThreads.IsIdleScheduled(NativeThreads.CurrentId));

        Assert.True(self);
        Assert.True(child);
        Assert.False(plain);
        Assert.False(NativeThreads.IsIdleScheduled(NativeThreads.CurrentId));
    }

    [Fact]
    public async Task RunAsync_PassesTheWorksException()
    {
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() =>
            LowPriority.RunAsync<int>(3, "throw-test", () => throw new InvalidOperationException("boom")));
        Assert.Equal("boom", error.Message);
    }

    [Fact]
    public async Task RunAwaitingAsync_RunsTheWorkUpToItsFirstAwait_AtTheNiceValue_AndItsContinuationsOnThePool()
    {
        const string name = "low-priority-await-test";
        var (before, beforeName, afterOnPool, afterName) = await LowPriority.RunAwaitingAsync(6, name, async () =>
        {
            int nice = NativeThreads.NiceOf(NativeThreads.CurrentId);
            string? first = Thread.CurrentThread.Name;
            await Task.Delay(20);
            // Not a thread of the low-priority scheduler's own (one per continuation), but where the delay completed.
            return (nice, first, Thread.CurrentThread.IsThreadPoolThread, Thread.CurrentThread.Name);
        });

        if (OperatingSystem.IsLinux()) Assert.Equal(6, before);
        Assert.Equal(name, beforeName);
        Assert.True(afterOnPool, $"The continuation ran on thread '{afterName}', not on the pool.");
        Assert.NotEqual(name, afterName);
    }

    [Fact]
    public async Task RunAwaitingAsync_PassesAnExceptionThrownAfterAnAwait()
    {
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => LowPriority.RunAwaitingAsync<int>(3, "await-throw-test", async () =>
        {
            await Task.Yield();
            throw new InvalidOperationException("late boom");
        }));
        Assert.Equal("late boom", error.Message);
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(20)]
    public void RunAsync_RefusesANiceValueOutside0To19(int nice) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => { _ = LowPriority.RunAsync(nice, "bad", () => 0); }); // refused before any thread starts
}
