using System.Diagnostics;
using OrleansReco.LocalCluster;

namespace OrleansReco.Gateway.Tests;

/// <summary>The benchmarks' CPU record per process: /proc's lines parsed, and a busy process measured as busy.</summary>
public sealed class ProcessCpuTests
{
    [Fact]
    public void ParseProcessTicks_CountsFieldsFromTheLastParenthesis_SoANameWithSpacesAndParenthesesReadsRight()
    {
        // pid (comm) state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime cutime cstime ...
        const string plain = "4242 (dotnet) S 1 4242 4242 0 -1 4194560 1000 0 5 0 250 75 0 0 20 0 12 0";
        const string odd = "4242 (my (odd) name) R 1 4242 4242 0 -1 4194560 1000 0 5 0 250 75 3 4 20 0 12 0";
        Assert.Equal(325, ProcessCpu.ParseProcessTicks(plain));
        Assert.Equal(325, ProcessCpu.ParseProcessTicks(odd));
        var error = Assert.Throws<FormatException>(() => ProcessCpu.ParseProcessTicks("4242 dotnet S 1"));
        Assert.Contains("parentheses", error.Message, StringComparison.Ordinal);
        Assert.Throws<FormatException>(() => ProcessCpu.ParseProcessTicks("4242 (dotnet) S 1 2 3"));
    }

    [Fact]
    public void ParseMachineTicks_BusyIsAllButIdleAndIoWait_GuestNotCountedTwice()
    {
        // user nice system idle iowait irq softirq steal guest guest_nice
        const string stat = "cpu  100 10 50 800 40 5 5 0 30 0\ncpu0 50 5 25 400 20 2 3 0 15 0\nintr 1 2 3\n";
        var (busy, total) = ProcessCpu.ParseMachineTicks(stat);
        Assert.Equal(1010, total);
        Assert.Equal(170, busy);
        Assert.Throws<FormatException>(() => ProcessCpu.ParseMachineTicks("intr 1 2 3\n"));
    }

    [Fact]
    public void Between_AProcessThatSpinsForAWhile_UsesAboutOneCore_AndAnUnknownPidIsLeftOut()
    {
        if (!File.Exists("/proc/self/stat")) return; // /proc is Linux's; elsewhere nothing is recorded
        var processes = new Dictionary<string, int> { ["me"] = Environment.ProcessId, ["gone"] = int.MaxValue };
        var start = ProcessCpu.Sample(processes);
        double before = ProcessCpu.CpuSeconds(Environment.ProcessId)!.Value;
        var clock = Stopwatch.StartNew();
        double sink = 0;
        while (clock.ElapsedMilliseconds < 600) sink += Math.Sqrt(clock.ElapsedTicks);
        var (cores, machine) = ProcessCpu.Between(start, ProcessCpu.Sample(processes));

        Assert.True(sink > 0);
        Assert.InRange(ProcessCpu.CpuSeconds(Environment.ProcessId)!.Value - before, 0.35, 60);
        Assert.Null(ProcessCpu.CpuSeconds(int.MaxValue));
        Assert.False(cores.ContainsKey("gone"));
        // One thread spinning: close to one core (other test threads may add some; the 10 ms ticks round either way).
        Assert.InRange(cores["me"], 0.6, Environment.ProcessorCount + 0.1);
        Assert.NotNull(machine);
        Assert.InRange(machine!.Value, 0.2 / Environment.ProcessorCount, 1.0);
    }
}
