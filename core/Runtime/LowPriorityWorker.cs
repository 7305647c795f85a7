using System.Collections.Concurrent;

namespace OrleansReco.Core.Runtime;

/// <summary>
/// One thread at a raised nice value (and, if asked, in the idle class) that runs the pieces of work handed to it one
/// at a time, in order: for a sequence of short pieces (a page of rows to copy after each call that fetched it) where
/// <see cref="LowPriority.RunAsync{T}"/> would start two threads per piece.
/// <para>
/// The pieces' results are handed back by a second thread, created by the caller and so at the caller's priority:
/// what continues after an await of <see cref="RunAsync{T}"/> may queue to the .NET pool, and a pool thread started from
/// the low-priority thread would inherit its nice value and serve requests at it for the rest of its life
/// (see <see cref="LowPriority"/>).
/// </para>
/// </summary>
public sealed class LowPriorityWorker : IDisposable
{
    private readonly BlockingCollection<Action> _work = new();
    private readonly BlockingCollection<Action> _results = new();
    private readonly Thread _worker;
    private readonly Thread _handBack;
    private int _disposed;

    /// <param name="nice">The work's nice value, 0 to 19 (0: the caller's priority; Linux only).</param>
    /// <param name="name">The name of the work's thread.</param>
    /// <param name="idle">Also put the work's thread in the kernel's idle class (<see cref="NativeThreads.SetIdleScheduling"/>).</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="nice"/> is outside 0..19.</exception>
    public LowPriorityWorker(int nice, string name, bool idle = false)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(nice);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(nice, 19);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        _worker = new Thread(() =>
        {
            NativeThreads.SetNice(nice);
            if (idle) NativeThreads.SetIdleScheduling();
            foreach (var piece in _work.GetConsumingEnumerable()) piece();
            _results.CompleteAdding();
        }) { Name = name, IsBackground = true };
        _handBack = new Thread(() =>
        {
            foreach (var handBack in _results.GetConsumingEnumerable()) handBack();
        }) { Name = name + "-results", IsBackground = true };
        _worker.Start();
        _handBack.Start();
    }

    /// <summary>Queues <paramref name="work"/> behind the pieces queued before it; the task ends with its result or exception.</summary>
    /// <exception cref="ObjectDisposedException">The worker was disposed.</exception>
    public Task<T> RunAsync<T>(Func<T> work)
    {
        ArgumentNullException.ThrowIfNull(work);
        // Continuations go to the pool, queued from the hand-back thread: neither of the worker's threads runs the caller's code.
        var result = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        try
        {
            _work.Add(() =>
            {
                try
                {
                    T value = work();
                    _results.Add(() => result.SetResult(value));
                }
                catch (Exception e)
                {
                    _results.Add(() => result.SetException(e));
                }
            });
        }
        catch (InvalidOperationException)
        {
            throw new ObjectDisposedException(nameof(LowPriorityWorker));
        }
        return result.Task;
    }

    /// <summary>Lets the pieces already queued finish and hand back their results, then ends both threads.</summary>
    /// <exception cref="InvalidOperationException">Called from a piece of work (it would wait for itself).</exception>
    public void Dispose()
    {
        if (Thread.CurrentThread == _worker || Thread.CurrentThread == _handBack)
            throw new InvalidOperationException("A LowPriorityWorker cannot be disposed from its own work.");
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        _work.CompleteAdding();
        _worker.Join();
        _handBack.Join();
        _work.Dispose();
        _results.Dispose();
    }
}
