using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using OrleansReco.Core.Data;
using OrleansReco.Core.Data.Synthetic;
using OrleansReco.Training.Torch;
using OrleansReco.Training.TwoTower;

namespace OrleansReco.Cli.Commands.Bench;

/// <summary>
/// <c>reco bench train</c>: training throughput of the two-tower model (examples per second) on MovieLens-100K-shaped
/// synthetic data, as full steps (batch assembly included) and as bare model steps on one prepared batch, for
/// the data with and without user/item features. The difference between the two is the data pipeline's cost. With
/// <c>--contention</c>, training beside a CPU-bound neighbour instead (<see cref="TrainContentionBench"/>).
/// </summary>
internal static class TrainBenchCommand
{
    public static Command Create()
    {
        var steps = new Option<int>("--steps") { Description = "Timed optimiser steps per case.", DefaultValueFactory = _ => 40 };
        var batch = new Option<int>("--batch-size") { Description = "Batch size.", DefaultValueFactory = _ => 1024 };
        var history = new Option<int>("--history-length") { Description = "History length N.", DefaultValueFactory = _ => 50 };
        var dim = new Option<int>("--dim") { Description = "Embedding dimension d.", DefaultValueFactory = _ => 64 };
        var output = new Option<DirectoryInfo>("--out") { Description = "Folder for train.json and train.md (train-contention.* with --contention).", DefaultValueFactory = _ => new DirectoryInfo("bench/results") };
        var threads = new Option<int>("--threads") { Description = "libtorch intra-op threads (default: one per core)." };
        var contention = new Option<bool>("--contention") { Description = "Examples/s quiet and beside a CPU-bound neighbour process that uses every core, and their ratio." };
        var repeat = new Option<int>("--repeat") { Description = "--contention: quiet/neighbour pairs of runs (medians are reported).", DefaultValueFactory = _ => 3 };
        var command = new Command("train", "Two-tower training throughput: full step vs bare model step, with and without features; or quiet vs beside a CPU-bound neighbour.")
        {
            steps, batch, history, dim, output, threads, contention, repeat,
        };
        command.SetAction(parse => DataArguments.Guard("bench train", () =>
        {
            int s = parse.GetValue(steps), b = parse.GetValue(batch), h = parse.GetValue(history), d = parse.GetValue(dim), t = parse.GetValue(threads), r = parse.GetValue(repeat);
            if (s <= 0 || b < 2 || h <= 0 || d <= 0) throw new ArgumentException("--steps, --batch-size, --history-length and --dim must be positive.");
            if (t < 0) throw new ArgumentException($"--threads must be positive (0: one per core), not {t}.");
            if (r <= 0) throw new ArgumentException($"--repeat must be positive, not {r}.");
            // The thread budget and OpenMP's wait policy, before the first torch call.
            TorchThreads.Configure(TorchThreadBudget.For(TrainingHost.CommandLine, Environment.ProcessorCount, t));
            var options = new TwoTowerOptions { BatchSize = b, HistoryLength = h, Dimension = d, Validate = false };
            return parse.GetValue(contention)
                ? TrainContentionBench.Run(options, s, r, parse.GetValue(output)!)
                : Run(options, s, parse.GetValue(output)!);
        }));
        return command;
    }

    private sealed record Case(string Name, double FullExamplesPerSecond, double BareExamplesPerSecond)
    {
        public double PipelineShare => 1 - FullExamplesPerSecond / BareExamplesPerSecond;
    }

    private static int Run(TwoTowerOptions options, int steps, DirectoryInfo output)
    {
        int batch = options.BatchSize, history = options.HistoryLength, dim = options.Dimension;
        var data = SyntheticGenerator.Generate(SyntheticOptions.MovieLens100KShape);
        var cases = new List<Case>();
        foreach (var (name, dataset) in new[]
                 {
                     ("ids only (history + item id)", new InteractionDataset(data.Interactions, null, null)),
                     ("with user and item features (categorical, numeric, text)", data),
                 })
        {
            Console.Error.WriteLine($"bench train: {name}...");
            using var trainer = new TwoTowerTrainer(dataset, options);
            var (full, bare) = trainer.Benchmark(steps);
            var c = new Case(name, full, bare);
            Console.Error.WriteLine($"  full step {full:N0} ex/s, bare model step {bare:N0} ex/s, data pipeline {c.PipelineShare:P1} of a step");
            cases.Add(c);
        }
        output.Create();
        var environment = new
        {
            machine = Environment.MachineName,
            cores = Environment.ProcessorCount,
            torch = TorchDevices.Describe(),
            date = DateTimeOffset.UtcNow,
            load = BenchEnvironment.LoadAverage(),
        };
        var json = new { environment, batch, history, dim, steps, cases };
        File.WriteAllText(Path.Combine(output.FullName, "train.json"), JsonSerializer.Serialize(json, new JsonSerializerOptions { WriteIndented = true }));
        var md = new StringBuilder();
        md.AppendLine("# Two-tower training throughput").AppendLine();
        md.AppendLine(CultureInfo.InvariantCulture, $"MovieLens-100K-shaped synthetic data (`reco generate --preset ml100k`), batch {batch}, history {history}, d {dim}, {steps} timed steps per case, {environment.cores} cores, {environment.torch}, load average {environment.load}.").AppendLine();
        md.AppendLine("| case | full step (ex/s) | bare model step (ex/s) | data pipeline share |");
        md.AppendLine("| --- | ---: | ---: | ---: |");
        foreach (var c in cases)
            md.AppendLine(CultureInfo.InvariantCulture, $"| {c.Name} | {c.FullExamplesPerSecond:N0} | {c.BareExamplesPerSecond:N0} | {c.PipelineShare:P1} |");
        md.AppendLine().AppendLine("Full step: batch assembly (history windows, weights) + forward + loss + backward + optimiser. Bare: the same on one prepared batch.");
        File.WriteAllText(Path.Combine(output.FullName, "train.md"), md.ToString());
        Console.WriteLine(md);
        return 0;
    }
}
