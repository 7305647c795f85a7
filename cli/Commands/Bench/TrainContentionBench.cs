using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using OrleansReco.Core.Data.Synthetic;
using OrleansReco.LocalCluster;
using OrleansReco.Training.Torch;
using OrleansReco.Training.TwoTower;

namespace OrleansReco.Cli.Commands.Bench;

/// <summary>
/// <c>reco bench train --contention</c>: training throughput (full steps, with user and item features) on a quiet
/// machine and beside a CPU-bound neighbour process with one busy thread per core (<c>reco bench spin</c>), in
/// alternating pairs so that drifting background load hits both alike; medians and their ratio.
/// </summary>
internal static class TrainContentionBench
{
    /// <summary>One quiet/neighbour pair: examples/s and the cores each process used during the measurement.</summary>
    private sealed record Pair(int Run, double QuietExamplesPerSecond, double QuietCores, double ContendedExamplesPerSecond, double ContendedCores,
        double NeighbourCores, string Load)
    {
        public double Ratio => ContendedExamplesPerSecond / QuietExamplesPerSecond;
    }

    public static int Run(TwoTowerOptions options, int steps, int repeat, DirectoryInfo output) =>
        RunAsync(options, steps, repeat, output).GetAwaiter().GetResult();

    private static async Task<int> RunAsync(TwoTowerOptions options, int steps, int repeat, DirectoryInfo output)
    {
        var data = SyntheticGenerator.Generate(SyntheticOptions.MovieLens100KShape);
        using var trainer = new TwoTowerTrainer(data, options);
        int cores = Environment.ProcessorCount;
        string loadBefore = BenchEnvironment.LoadAverage();
        Console.Error.WriteLine($"bench train --contention: {TorchDevices.Describe()}; neighbour: {cores} busy threads");
        trainer.Benchmark(steps: 3, rounds: 1); // warm-up: JIT, allocator, OpenMP pool
        var pairs = new List<Pair>();
        for (int run = 1; run <= repeat; run++)
        {
            var (quiet, quietCores, _) = Measure(trainer, steps, neighbourPid: null);
            double contended, contendedCores, neighbourCores;
            await using (var neighbour = await SpinBenchCommand.StartAsync(cores, TimeSpan.FromMinutes(30)))
            {
                (contended, contendedCores, neighbourCores) = Measure(trainer, steps, neighbour.Pid);
                await neighbour.KillAsync();
            }
            var pair = new Pair(run, quiet, quietCores, contended, contendedCores, neighbourCores, BenchEnvironment.LoadAverage());
            Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  run {run}: quiet {quiet:N0} ex/s ({quietCores:F2} cores), beside the neighbour {contended:N0} ex/s ({contendedCores:F2} cores; neighbour {neighbourCores:F2}), {pair.Ratio:P0}"));
            pairs.Add(pair);
        }
        double quietMedian = Median(pairs.Select(p => p.QuietExamplesPerSecond)), contendedMedian = Median(pairs.Select(p => p.ContendedExamplesPerSecond));
        var summary = new
        {
            quietExamplesPerSecond = quietMedian,
            contendedExamplesPerSecond = contendedMedian,
            ratio = contendedMedian / quietMedian,
            quietRange = Range(pairs.Select(p => p.QuietExamplesPerSecond)),
            contendedRange = Range(pairs.Select(p => p.ContendedExamplesPerSecond)),
        };
        var environment = new
        {
            machine = Environment.MachineName,
            cores,
            torch = TorchDevices.Describe(),
            date = DateTimeOffset.UtcNow,
            loadBefore,
            loadAfter = BenchEnvironment.LoadAverage(),
        };
        output.Create();
        var json = new { environment, options.BatchSize, options.HistoryLength, options.Dimension, steps, repeat, summary, runs = pairs };
        File.WriteAllText(Path.Combine(output.FullName, "train-contention.json"), JsonSerializer.Serialize(json, new JsonSerializerOptions { WriteIndented = true }));

        var c = CultureInfo.InvariantCulture;
        var md = new StringBuilder();
        md.AppendLine("# Two-tower training beside a CPU-bound neighbour").AppendLine();
        md.AppendLine(c, $"MovieLens-100K-shaped synthetic data with user and item features, batch {options.BatchSize}, history {options.HistoryLength}, d {options.Dimension}, ")
          .AppendLine(c, $"{steps} timed full steps per measurement, {repeat} quiet/neighbour pairs, {cores} cores, {environment.torch}.")
          .AppendLine(c, $"The neighbour is `reco bench spin`: {cores} busy threads (one per core), started after each quiet measurement and killed after the one beside it.")
          .AppendLine(c, $"Load average before: {loadBefore}; after: {environment.loadAfter}.").AppendLine();
        md.AppendLine("| run | quiet (ex/s) | trainer's cores | beside the neighbour (ex/s) | trainer's cores | neighbour's cores | ratio | load average after |");
        md.AppendLine("| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |");
        foreach (var p in pairs)
            md.AppendLine(c, $"| {p.Run} | {p.QuietExamplesPerSecond:N0} | {p.QuietCores:F2} | {p.ContendedExamplesPerSecond:N0} | {p.ContendedCores:F2} | {p.NeighbourCores:F2} | {p.Ratio:P0} | {p.Load} |");
        md.AppendLine(c, $"| **median** | **{quietMedian:N0}** | | **{contendedMedian:N0}** | | | **{summary.ratio:P0}** | |").AppendLine();
        md.AppendLine("Ratio: examples/s beside the neighbour over examples/s quiet (the median row: ratio of the medians). Cores: CPU time the process used over the measurement's wall time.");
        File.WriteAllText(Path.Combine(output.FullName, "train-contention.md"), md.ToString());
        Console.WriteLine(md);
        return 0;
    }

    /// <summary>Full-step examples/s over <paramref name="steps"/> steps, the cores this process used meanwhile, and those of the neighbour.</summary>
    private static (double ExamplesPerSecond, double Cores, double NeighbourCores) Measure(TwoTowerTrainer trainer, int steps, int? neighbourPid)
    {
        using var self = Process.GetCurrentProcess();
        var cpu = self.TotalProcessorTime;
        double neighbourCpu = neighbourPid is { } pid ? CpuSeconds(pid) : 0;
        var clock = Stopwatch.StartNew();
        var (full, _) = trainer.Benchmark(steps, rounds: 1);
        double wall = clock.Elapsed.TotalSeconds;
        self.Refresh();
        double cores = (self.TotalProcessorTime - cpu).TotalSeconds / wall;
        double neighbourCores = neighbourPid is { } p ? (CpuSeconds(p) - neighbourCpu) / wall : 0;
        return (full, cores, neighbourCores);
    }

    /// <summary>User + system CPU seconds of the neighbour process (it is this run's child, so it can be read until it exits).</summary>
    private static double CpuSeconds(int pid) =>
        ProcessCpu.CpuSeconds(pid) ?? throw new InvalidOperationException($"/proc/{pid}/stat cannot be read: the neighbour process has exited.");

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }

    private static double[] Range(IEnumerable<double> values)
    {
        var list = values.ToList();
        return [list.Min(), list.Max()];
    }
}
