using System.Runtime.InteropServices;
using OrleansReco.Core.Runtime;
using static TorchSharp.torch;

namespace OrleansReco.Training.Torch;

/// <summary>Where training runs, which decides how much of the machine it takes by default.</summary>
public enum TrainingHost
{
    /// <summary>The command line (<c>reco train</c>, <c>reco demo</c>, <c>reco bench train</c>): every core, normal priority.</summary>
    CommandLine,

    /// <summary>A silo of role <c>train</c>: every core.</summary>
    TrainingSilo,

    /// <summary>A silo of role <c>all</c>: half the cores (at least one); serving keeps the rest.</summary>
    SharedSilo,
}

/// <summary>How many threads libtorch may use for training and at which priority training runs.</summary>
/// <param name="IntraOp">libtorch intra-op (OpenMP) threads: how many cores one operator may use.</param>
/// <param name="InterOp">libtorch inter-op threads (independent operators side by side; eager training does not use them).</param>
/// <param name="Nice">Linux nice value of the training thread and of the OpenMP workers it starts (0: as the rest of the process; 19: lowest).</param>
/// <param name="Idle">
/// Whether the training thread and its OpenMP workers are in the kernel's idle scheduling class (Linux
/// <c>SCHED_IDLE</c>): they run only on CPU time that no other thread wants, and a serving thread that wakes takes the
/// CPU from them at once, where a nice value only shrinks their share.
/// </param>
public sealed record TorchThreadBudget(int IntraOp, int InterOp, int Nice, bool Idle = false)
{
    /// <summary>
    /// The budget for <paramref name="host"/> on <paramref name="cores"/> cores (<see cref="Environment.ProcessorCount"/>,
    /// which honours cgroup CPU limits), with the configured values where they are set (positive counts; a nice value,
    /// default <see cref="SharedSiloNice"/> beside serving and 0 elsewhere; the idle class, default on beside serving only).
    /// </summary>
    /// <exception cref="ArgumentException">A count is negative or the nice value is outside 0..19; the message names it.</exception>
    public static TorchThreadBudget For(TrainingHost host, int cores, int threads = 0, int interopThreads = 0, int? nice = null, bool? idle = null)
    {
        if (cores < 1) throw new ArgumentException($"cores must be positive, not {cores}.", nameof(cores));
        if (threads < 0) throw new ArgumentException($"threads must not be negative (0: from the cores), not {threads}.", nameof(threads));
        if (interopThreads < 0) throw new ArgumentException($"interop threads must not be negative (0: one), not {interopThreads}.", nameof(interopThreads));
        if (nice is < 0 or > 19) throw new ArgumentException($"nice must be 0 to 19, not {nice}.", nameof(nice));
        int intra = threads > 0 ? threads : host == TrainingHost.SharedSilo ? Math.Max(1, cores / 2) : cores;
        // One inter-op thread: eager training never hands work to that pool, and each of its threads would be one more to schedule.
        int inter = interopThreads > 0 ? interopThreads : 1;
        bool shared = host == TrainingHost.SharedSilo;
        return new TorchThreadBudget(intra, inter, nice ?? (shared ? SharedSiloNice : 0), idle ?? shared);
    }

    /// <summary>
    /// The nice value a run gets beside serving grains unless configured: low enough a priority that the kernel gives
    /// serving threads the CPU first, high enough that the run still progresses on a busy machine.
    /// </summary>
    public const int SharedSiloNice = 10;

    public override string ToString() => $"{IntraOp} intra-op / {InterOp} inter-op threads, nice {Nice}{(Idle ? ", idle class" : "")}";
}

/// <summary>
/// Applies a <see cref="TorchThreadBudget"/> to libtorch, once per process before the first torch operation, and runs
/// training on a dedicated thread at the budget's priority.
/// <para>
/// libtorch's CPU build runs operators on OpenMP (libgomp), whose idle workers spin for a while before they sleep.
/// Beside another CPU-bound process the spinning takes the time slices the workers that still have work need, and
/// training slowed down about 40-fold on two shared cores. So unless the user chose a policy (<c>OMP_WAIT_POLICY</c>
/// or <c>GOMP_SPINCOUNT</c> set), <c>OMP_WAIT_POLICY=PASSIVE</c> is put in the native environment before libtorch
/// loads (libgomp reads it then); see the README for the figures.
/// </para>
/// </summary>
public static class TorchThreads
{
    public const string WaitPolicyVariable = "OMP_WAIT_POLICY";
    public const string SpinCountVariable = "GOMP_SPINCOUNT";
    public const string PassiveWait = "PASSIVE";

    private static readonly Lock Gate = new();
    private static string? _waitPolicy;
    private static bool _interopFixed;

    /// <summary>The budget applied last, or null before the first <see cref="Configure"/>.</summary>
    public static TorchThreadBudget? Current { get; private set; }

    /// <summary>How OpenMP threads wait, and who chose it (null before <see cref="PrepareEnvironment"/>).</summary>
    public static string? WaitPolicy => _waitPolicy;

    /// <summary>
    /// Sets <c>OMP_WAIT_POLICY=PASSIVE</c> in the native environment unless the user set it or <c>GOMP_SPINCOUNT</c>, or
    /// libtorch is already loaded (then it is too late), and has the C library keep the blocks libtorch frees
    /// (<see cref="NativeHeap.KeepFreedBlocks"/>). Idempotent; returns <see cref="WaitPolicy"/>.
    /// </summary>
    public static string PrepareEnvironment()
    {
        lock (Gate)
        {
            NativeHeap.KeepFreedBlocks();
            if (_waitPolicy is not null) return _waitPolicy;
            if (NativeThreads.Get(WaitPolicyVariable) is { } policy) _waitPolicy = $"{policy.ToLowerInvariant()} ({WaitPolicyVariable} from the environment)";
            else if (NativeThreads.Get(SpinCountVariable) is { } spin) _waitPolicy = $"spin {spin} ({SpinCountVariable} from the environment)";
            else if (NativeThreads.IsLoaded("libgomp")) _waitPolicy = "libgomp default (libtorch was loaded before the policy could be set)";
            else _waitPolicy = NativeThreads.SetDefault(WaitPolicyVariable, PassiveWait) ? "passive" : $"{NativeThreads.Get(WaitPolicyVariable)} (from the environment)";
            return _waitPolicy;
        }
    }

    /// <summary>
    /// Applies <paramref name="budget"/>: the wait policy (<see cref="PrepareEnvironment"/>), the intra-op thread count
    /// (for the process and the calling thread) and, the first time only, the inter-op count (libtorch sizes that
    /// pool once). Returns the budget in force, with the inter-op count libtorch actually has.
    /// </summary>
    public static TorchThreadBudget Configure(TorchThreadBudget budget)
    {
        ArgumentNullException.ThrowIfNull(budget);
        lock (Gate)
        {
            PrepareEnvironment();
            set_num_threads(budget.IntraOp);
            if (!_interopFixed)
            {
                _interopFixed = true;
                try { set_num_interop_threads(budget.InterOp); }
                catch (ExternalException)
                {
                    // Already sized by earlier torch work in this process; the count below says what it has.
                }
            }
            Current = budget with { InterOp = get_num_interop_threads() };
            return Current;
        }
    }

    /// <summary>
    /// Sets the calling thread's intra-op threads before a trainer's first operation: <paramref name="threads"/> when
    /// positive, else the budget in force (the command line's, if none was configured). Returns the count.
    /// </summary>
    /// <remarks>OpenMP keeps the count per thread, so a thread that trains must set it even when the process has one.</remarks>
    public static int Use(int threads)
    {
        var budget = Current ?? Configure(TorchThreadBudget.For(TrainingHost.CommandLine, Environment.ProcessorCount));
        int count = threads > 0 ? threads : budget.IntraOp;
        set_num_threads(count);
        return count;
    }

    /// <summary>
    /// Runs <paramref name="work"/> on a thread of its own named <paramref name="name"/>, at the budget's nice value and
    /// with the budget configured on it first (see <see cref="LowPriority.RunAsync{T}"/>; libtorch's OpenMP workers,
    /// created by that thread, inherit its priority).
    /// </summary>
    public static Task<T> RunAsync<T>(TorchThreadBudget budget, string name, Func<T> work)
    {
        ArgumentNullException.ThrowIfNull(budget);
        ArgumentNullException.ThrowIfNull(work);
        return LowPriority.RunAsync(budget.Nice, name, () =>
        {
            Configure(budget);
            return work();
        }, budget.Idle);
    }

    /// <summary>The calling thread's libtorch intra-op thread count.</summary>
    public static int CurrentThreadCount() => get_num_threads();

    /// <summary>The calling thread's nice value as the kernel reports it (0 off Linux).</summary>
    public static int CurrentNice() => NativeThreads.NiceOf(NativeThreads.CurrentId);

    /// <summary>Whether the calling thread is in the kernel's idle scheduling class (false off Linux).</summary>
    public static bool CurrentIsIdle() => NativeThreads.IsIdleScheduled(NativeThreads.CurrentId);

    /// <summary>One line for logs and benchmark records: threads, wait policy, priority, native heap.</summary>
    public static string Describe() =>
        $"{get_num_threads()} intra-op / {get_num_interop_threads()} inter-op threads, OpenMP wait {WaitPolicy ?? "libgomp default"}, nice {CurrentNice()}{(CurrentIsIdle() ? ", idle class" : "")}, " +
        $"native heap {NativeHeap.Setting ?? "the C library's default"}";
}
