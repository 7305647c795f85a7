using System.Globalization;
using System.Runtime.InteropServices;

namespace OrleansReco.Core.Runtime;

/// <summary>
/// The few libc calls background work needs on Linux: the native environment (which libgomp reads when libtorch loads;
/// .NET's <see cref="Environment.SetEnvironmentVariable(string, string)"/> does not change it on Linux) and the nice
/// value of one thread. Elsewhere the priority calls do nothing.
/// </summary>
public static class NativeThreads
{
    private const int PrioProcess = 0;

    /// <summary>The kernel id of the calling thread (Linux), or -1.</summary>
    public static int CurrentId => OperatingSystem.IsLinux() ? gettid() : -1;

    /// <summary>Sets <paramref name="name"/> in the native environment unless it is already set there; true if it was set now.</summary>
    public static bool SetDefault(string name, string value)
    {
        if (Get(name) is not null) return false;
        if (setenv(name, value, 0) != 0)
            throw new InvalidOperationException($"setenv({name}) failed: errno {Marshal.GetLastPInvokeError()}.");
        return true;
    }

    /// <summary>The native environment's value of <paramref name="name"/> (not .NET's copy), or null.</summary>
    public static string? Get(string name) => Marshal.PtrToStringUTF8(getenv(name));

    /// <summary>
    /// Raises the calling thread's nice value to <paramref name="nice"/> (Linux: nice is per thread; threads it creates
    /// afterwards, such as OpenMP workers, inherit it). Lowering it again would need CAP_SYS_NICE, so only dedicated
    /// threads should call this. Does nothing for 0 or off Linux.
    /// </summary>
    public static void SetNice(int nice)
    {
        if (nice == 0 || !OperatingSystem.IsLinux()) return;
        if (setpriority(PrioProcess, gettid(), nice) != 0)
            throw new InvalidOperationException($"setpriority(thread {gettid()}, {nice}) failed: errno {Marshal.GetLastPInvokeError()}.");
    }

    /// <summary>
    /// Puts the calling thread in Linux's <c>SCHED_IDLE</c> class: the kernel runs it when no thread of the normal class
    /// wants the CPU (it keeps a token share, so it still progresses on a busy machine), and a normal thread that wakes
    /// takes the CPU from it at once, where a raised nice value only shrinks its share. Threads it creates afterwards
    /// with the default attributes (OpenMP workers) inherit the class; threads .NET creates do not, and must set it
    /// themselves (as <see cref="LowPriority"/>'s do). Leaving the class again would need CAP_SYS_NICE, so only dedicated
    /// threads should call this. Does nothing off Linux.
    /// </summary>
    public static void SetIdleScheduling()
    {
        if (!OperatingSystem.IsLinux()) return;
        int priority = 0; // struct sched_param { int sched_priority; }: 0 for SCHED_IDLE
        if (sched_setscheduler(gettid(), SchedIdle, ref priority) != 0)
            throw new InvalidOperationException($"sched_setscheduler(thread {gettid()}, SCHED_IDLE) failed: errno {Marshal.GetLastPInvokeError()}.");
    }

    /// <summary>Whether a thread is in the <c>SCHED_IDLE</c> class (<c>/proc/self/task/&lt;tid&gt;/stat</c>, field 41); false off Linux.</summary>
    public static bool IsIdleScheduled(int threadId) => OperatingSystem.IsLinux() && StatField(threadId, 41) == SchedIdle;

    /// <summary>A thread's nice value as the kernel reports it (<c>/proc/self/task/&lt;tid&gt;/stat</c>, field 19); 0 off Linux.</summary>
    public static int NiceOf(int threadId) => OperatingSystem.IsLinux() ? StatField(threadId, 19) : 0;

    private static int StatField(int threadId, int field)
    {
        string stat = File.ReadAllText($"/proc/self/task/{threadId}/stat");
        // Fields after the command name, which is in parentheses and may hold spaces: state is field 3.
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return int.Parse(fields[field - 3], CultureInfo.InvariantCulture);
    }

    /// <summary>Whether a library whose file name contains <paramref name="name"/> is mapped into this process (Linux; false elsewhere).</summary>
    public static bool IsLoaded(string name) =>
        OperatingSystem.IsLinux() && File.ReadLines("/proc/self/maps").Any(line => line.Contains(name, StringComparison.Ordinal));

    [DllImport("libc", SetLastError = true)]
    private static extern int setenv([MarshalAs(UnmanagedType.LPUTF8Str)] string name, [MarshalAs(UnmanagedType.LPUTF8Str)] string value, int overwrite);

    [DllImport("libc")]
    private static extern IntPtr getenv([MarshalAs(UnmanagedType.LPUTF8Str)] string name);

    [DllImport("libc")]
    private static extern int gettid();

    [DllImport("libc", SetLastError = true)]
    private static extern int setpriority(int which, int who, int prio);

    private const int SchedIdle = 5;

    [DllImport("libc", SetLastError = true)]
    private static extern int sched_setscheduler(int pid, int policy, ref int param);
}
