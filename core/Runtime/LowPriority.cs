namespace OrleansReco.Core.Runtime;

/// <summary>
/// Background work that must not slow down serving: it runs on a thread of its own whose Linux nice value is raised,
/// so the kernel gives serving threads the CPU first and the work takes what they leave.
/// </summary>
public static class LowPriority
{
    /// <summary>
    /// Runs <paramref name="work"/> on a new thread named <paramref name="name"/> whose nice value is
    /// <paramref name="nice"/> (0: the caller's priority; Linux only). A nice value can be raised but not lowered again
    /// without privileges, hence a thread of its own rather than a pool thread.
    /// <para>
    /// A thread inherits the nice value of the thread that creates it. A .NET pool thread created while this thread
    /// queues work would serve requests at the lower priority for the rest of its life. So nothing here queues to the
    /// pool: tasks the work starts on the current scheduler (and <see cref="Parallel"/> loops given <see cref="LoopOptions"/>)
    /// get threads of their own, of the same name and priority, and the result is handed back by a thread the caller
    /// created.
    /// </para>
    /// </summary>
    /// <param name="idle">Also put the work's thread in the kernel's idle class (<see cref="NativeThreads.SetIdleScheduling"/>):
    /// it then runs only on CPU time that nothing else wants.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="nice"/> is outside 0..19.</exception>
    public static Task<T> RunAsync<T>(int nice, string name, Func<T> work, bool idle = false)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(nice);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(nice, 19);
        ArgumentNullException.ThrowIfNull(work);
        Task<T>? run = null;
        var worker = new Thread(() =>
        {
            run = new Task<T>(() =>
            {
                NativeThreads.SetNice(nice);
                if (idle) NativeThreads.SetIdleScheduling();
                return work();
            });
            run.RunSynchronously(new OwnThreadScheduler(name, idle));
        })
        {
            Name = name,
            IsBackground = true,
        };
        worker.Start();
        // Completes from a thread created here, at the caller's priority, once the worker has ended.
        return Task.Factory.StartNew(() =>
        {
            worker.Join();
            return run!.GetAwaiter().GetResult();
        }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
    }

    /// <summary>
    /// Runs the asynchronous <paramref name="work"/> on a new thread at <paramref name="nice"/>, as
    /// <see cref="RunAsync{T}"/> does, and waits for it there. What the work does before its first await that does not
    /// complete at once (reading and sorting data held in memory, say) runs at that priority. What follows such an
    /// await runs where the awaited operation completes (usually the pool): the work runs with the default scheduler
    /// as current, not the low-priority one, which would start a thread for every continuation.
    /// </summary>
    /// <param name="idle">As for <see cref="RunAsync{T}"/>.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="nice"/> is outside 0..19.</exception>
    public static Task<T> RunAwaitingAsync<T>(int nice, string name, Func<Task<T>> work, bool idle = false)
    {
        ArgumentNullException.ThrowIfNull(work);
        return RunAsync(nice, name, () =>
        {
            var start = new Task<Task<T>>(work);
            start.RunSynchronously(TaskScheduler.Default); // inline, on this thread
            return start.Result.GetAwaiter().GetResult();
        }, idle);
    }

    /// <summary>
    /// Options for a <see cref="Parallel"/> loop whose iterations run where the caller runs: on the current task
    /// scheduler, so that inside <see cref="RunAsync{T}"/> they get threads of the work's priority. Without a scheduler
    /// in its options a loop hands its workers to the thread pool, whatever scheduler the caller is on.
    /// </summary>
    /// <param name="threads">Most iterations at once; null or not positive: one per core.</param>
    public static ParallelOptions LoopOptions(int? threads = null) => new()
    {
        MaxDegreeOfParallelism = threads is > 0 ? threads.Value : Environment.ProcessorCount,
        TaskScheduler = TaskScheduler.Current,
    };

    /// <summary>
    /// Runs each task inline or on a new thread started by the thread that queues it (so with its nice value, which a
    /// new thread inherits; the idle class it does not, as .NET creates threads, so each one sets it); never on the pool.
    /// </summary>
    private sealed class OwnThreadScheduler(string name, bool idle) : TaskScheduler
    {
        protected override void QueueTask(Task task) =>
            new Thread(() =>
            {
                if (idle) NativeThreads.SetIdleScheduling();
                TryExecuteTask(task);
            }) { Name = name, IsBackground = true }.Start();

        protected override bool TryExecuteTaskInline(Task task, bool taskWasPreviouslyQueued) => TryExecuteTask(task);

        protected override IEnumerable<Task> GetScheduledTasks() => [];
    }
}
