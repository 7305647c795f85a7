using System.Diagnostics;
using System.Globalization;

namespace OrleansReco.LocalCluster;

/// <summary>
/// CPU time of named processes and of the whole machine at one moment, read from Linux's <c>/proc</c>
/// (<c>/proc/PID/stat</c>: user + system time; <c>/proc/stat</c>: the machine's busy and total time). Two samples give
/// the cores each process used in between and how busy the machine was, so that a benchmark window says where its
/// CPU went. Where <c>/proc</c> is missing (not Linux) a sample is empty and <see cref="Between"/> gives nothing.
/// </summary>
public sealed class ProcessCpu
{
    /// <summary>Clock ticks per second of <c>/proc</c>'s times: USER_HZ, 100 on every Linux architecture's user ABI.</summary>
    public const double TicksPerSecond = 100;

    private ProcessCpu(long timestamp, IReadOnlyDictionary<string, long> ticks, long machineBusy, long machineTotal)
    {
        Timestamp = timestamp;
        Ticks = ticks;
        MachineBusy = machineBusy;
        MachineTotal = machineTotal;
    }

    /// <summary>When the sample was taken (<see cref="Stopwatch"/> timestamp).</summary>
    public long Timestamp { get; }

    /// <summary>User + system ticks of each process that could be read, by name.</summary>
    public IReadOnlyDictionary<string, long> Ticks { get; }

    /// <summary>The machine's busy ticks (all but idle and I/O wait) and all ticks, summed over its CPUs; 0 when unknown.</summary>
    public long MachineBusy { get; }

    public long MachineTotal { get; }

    /// <summary>User + system CPU seconds a process has used so far (<c>/proc/PID/stat</c>); null where it cannot be read.</summary>
    public static double? CpuSeconds(int pid) =>
        TryRead($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/stat") is { } stat ? ParseProcessTicks(stat) / TicksPerSecond : null;

    /// <summary>Reads each process (name → pid) and the machine now. A process that has exited is left out.</summary>
    public static ProcessCpu Sample(IReadOnlyDictionary<string, int> processes)
    {
        var ticks = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var (name, pid) in processes)
        {
            if (TryRead($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/stat") is { } stat) ticks[name] = ParseProcessTicks(stat);
        }
        var (busy, total) = TryRead("/proc/stat") is { } machine ? ParseMachineTicks(machine) : (0, 0);
        return new ProcessCpu(Stopwatch.GetTimestamp(), ticks, busy, total);
    }

    /// <summary>
    /// Cores each process used between <paramref name="start"/> and <paramref name="end"/> (CPU seconds per second of
    /// wall time), and the machine's busy share of all its CPUs (0..1; null when <c>/proc/stat</c> was not read).
    /// Processes read in both samples only.
    /// </summary>
    public static CpuWindow Between(ProcessCpu start, ProcessCpu end)
    {
        double seconds = Stopwatch.GetElapsedTime(start.Timestamp, end.Timestamp).TotalSeconds;
        var cores = new Dictionary<string, double>(StringComparer.Ordinal);
        if (seconds <= 0) return new CpuWindow(cores, null);
        foreach (var (name, ticks) in end.Ticks)
        {
            if (start.Ticks.TryGetValue(name, out long before))
                cores[name] = Math.Round((ticks - before) / TicksPerSecond / seconds, 3);
        }
        long total = end.MachineTotal - start.MachineTotal;
        double? busy = total > 0 ? Math.Round((double)(end.MachineBusy - start.MachineBusy) / total, 3) : null;
        return new CpuWindow(cores, busy);
    }

    /// <summary>
    /// User + system ticks (fields 14 and 15) of a <c>/proc/PID/stat</c> line. The command name (field 2) is in
    /// parentheses and may itself hold spaces and parentheses, so fields are counted from the last <c>)</c>.
    /// </summary>
    public static long ParseProcessTicks(string stat)
    {
        int close = stat.LastIndexOf(')');
        if (close < 0) throw new FormatException($"Not a /proc/PID/stat line (no command name in parentheses): '{Shorten(stat)}'.");
        // After ") ": field 3 (state) is index 0, so field n is index n - 3.
        var fields = stat[(close + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (fields.Length < 13
            || !long.TryParse(fields[11], NumberStyles.None, CultureInfo.InvariantCulture, out long user)
            || !long.TryParse(fields[12], NumberStyles.None, CultureInfo.InvariantCulture, out long system))
            throw new FormatException($"A /proc/PID/stat line without numeric utime and stime (fields 14 and 15): '{Shorten(stat)}'.");
        return user + system;
    }

    /// <summary>
    /// Busy and total ticks from the <c>cpu</c> line of <c>/proc/stat</c> (user nice system idle iowait irq softirq steal
    /// ...): busy is everything but idle and iowait; guest time is already inside user and nice.
    /// </summary>
    public static (long Busy, long Total) ParseMachineTicks(string procStat)
    {
        int end = procStat.IndexOf('\n');
        string first = end >= 0 ? procStat[..end] : procStat;
        var fields = first.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (fields.Length < 5 || fields[0] != "cpu")
            throw new FormatException($"/proc/stat does not start with the machine's 'cpu' line: '{Shorten(first)}'.");
        long total = 0, idle = 0;
        // user nice system idle iowait irq softirq steal; guest and guest_nice (9th, 10th) are counted in user and nice.
        for (int i = 1; i < Math.Min(fields.Length, 9); i++)
        {
            if (!long.TryParse(fields[i], NumberStyles.None, CultureInfo.InvariantCulture, out long value))
                throw new FormatException($"/proc/stat's cpu line has a non-numeric field {i}: '{Shorten(first)}'.");
            total += value;
            if (i is 4 or 5) idle += value;
        }
        return (total - idle, total);
    }

    private static string? TryRead(string path)
    {
        try
        {
            return File.Exists(path) ? File.ReadAllText(path) : null;
        }
        catch (IOException)
        {
            return null; // the process exited between the check and the read
        }
    }

    private static string Shorten(string text) => text.Length <= 120 ? text : text[..120] + "...";
}

/// <summary>What <see cref="ProcessCpu.Between"/> measured over one window: cores per process and the machine's busy share.</summary>
public sealed record CpuWindow(Dictionary<string, double> Cores, double? MachineBusy)
{
    /// <summary>One line for a log: each process's cores and how busy the machine was.</summary>
    public override string ToString() =>
        Cores.Count == 0
            ? "not recorded (no /proc)"
            : string.Join(", ", Cores.Select(c => $"{c.Key} {c.Value:F2}")) + $" cores; machine {MachineBusy:P0} busy";
}
