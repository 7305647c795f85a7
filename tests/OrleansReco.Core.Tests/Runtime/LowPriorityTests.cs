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

    [Fact]
    public async Task Worker_RunsEveryPieceInOrderOnOneThreadAtTheNiceValue_AndHandsResultsBackAtTheCallersPriority()
    {
        const string name = "low-priority-worker-test";
        int callerNice = NativeThreads.NiceOf(NativeThreads.CurrentId);
        var pieces = new List<(int Piece, int Thread, string? Name, int Nice)>();
        using (var worker = new LowPriorityWorker(5, name))
        {
            var queued = Enumerable.Range(0, 20).Select(i => worker.RunAsync(() =>
            {
                pieces.Add((i, Environment.CurrentManagedThreadId, Thread.CurrentThread.Name, NativeThreads.NiceOf(NativeThreads.CurrentId)));
                return i * i;
            })).ToArray();
            for (int i = 0; i < queued.Length; i++)
            {
                Assert.Equal(i * i, await queued[i]);
                // What follows the await runs at the caller's priority, not on the worker's thread.
                Assert.NotEqual(name, Thread.CurrentThread.Name);
                if (OperatingSystem.IsLinux()) Assert.Equal(callerNice, NativeThreads.NiceOf(NativeThreads.CurrentId));
            }
            var error = await Assert.ThrowsAsync<InvalidOperationException>(() => worker.RunAsync<int>(() => throw new InvalidOperationException("boom")));
            Assert.Equal("boom", error.Message);
            Assert.Equal(42, await worker.RunAsync(() => 42)); // a failed piece does not stop the worker
        }

        Assert.Equal(Enumerable.Range(0, 20), pieces.Select(p => p.Piece));
        Assert.Single(pieces.Select(p => p.Thread).Distinct());
        Assert.All(pieces, p => Assert.Equal(name, p.Name));
        if (OperatingSystem.IsLinux()) Assert.All(pieces, p => Assert.Equal(5, p.Nice));
    }

    [Fact]
    public void Worker_AfterDispose_RefusesWork()
    {
        var worker = new LowPriorityWorker(3, "disposed-worker-test");
        worker.Dispose();
        worker.Dispose(); // twice is harmless
        Assert.Throws<ObjectDisposedException>(() => { _ = worker.RunAsync(() => 1); });
    }
}
