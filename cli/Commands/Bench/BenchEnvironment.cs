namespace OrleansReco.Cli.Commands.Bench;

/// <summary>What a benchmark records about the machine it ran on.</summary>
internal static class BenchEnvironment
{
    /// <summary>The 1/5/15-minute load averages and task counts (<c>/proc/loadavg</c>), or empty where there is none.</summary>
    public static string LoadAverage() => File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Trim() : "";
}
