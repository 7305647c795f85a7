using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using OrleansReco.Core.Data.Synthetic;
using OrleansReco.Training.Torch;
using OrleansReco.Training.TwoTower;
using TorchSharp;

// Two-tower training throughput on each device libtorch offers here: CUDA when present, then CPU, at two batch
// sizes, on MovieLens-100K-shaped synthetic data (history 50, d 64, user and item features), then one short
// training run (5 epochs, default settings) on the fastest device. Writes torch-device.json and .md to the folder
// given as the first argument (default: the current folder). Steps per case: the second argument (default 40).
string output = args.Length > 0 ? args[0] : ".";
int steps = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 40;
bool cuda = torch.cuda.is_available();
Console.WriteLine(TorchDevices.Describe());
var data = SyntheticGenerator.Generate(SyntheticOptions.MovieLens100KShape);

var cases = new List<Case>();
foreach (bool preferCpu in cuda ? new[] { false, true } : new[] { true })
foreach (int batch in new[] { 1024, 4096 })
{
    var options = new TwoTowerOptions { BatchSize = batch, HistoryLength = 50, Dimension = 64, Validate = false, PreferCpu = preferCpu };
    using var trainer = new TwoTowerTrainer(data, options);
    var (full, bare) = trainer.Benchmark(steps);
    var c = new Case(trainer.DeviceName, batch, full, bare);
    Console.WriteLine($"{c.Device} batch {c.Batch}: full step {c.FullExamplesPerSecond:N0} ex/s, bare step {c.BareExamplesPerSecond:N0} ex/s");
    cases.Add(c);
}

var run = Stopwatch.StartNew();
using var training = new TwoTowerTrainer(data, new TwoTowerOptions { Epochs = 5 }, log: Console.Out);
var history = training.Train();
run.Stop();
var result = new
{
    environment = new
    {
        machine = Environment.MachineName,
        cores = Environment.ProcessorCount,
        torch = TorchDevices.Describe(),
        cuda_devices = cuda ? torch.cuda.device_count() : 0,
        date = DateTimeOffset.UtcNow,
        load = File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Trim() : "",
    },
    steps,
    cases,
    training_run = new { device = training.DeviceName, examples = training.TrainExamples, epochs = 5, seconds = run.Elapsed.TotalSeconds, best_epoch = history.BestEpoch, validation_recall_at_10 = history.BestValidationRecall },
};
Directory.CreateDirectory(output);
File.WriteAllText(Path.Combine(output, "torch-device.json"), JsonSerializer.Serialize(result, new JsonSerializerOptions { WriteIndented = true }));
var md = new StringBuilder();
md.AppendLine("# Training throughput by device").AppendLine();
md.AppendLine(CultureInfo.InvariantCulture, $"MovieLens-100K-shaped synthetic data with user and item features, history 50, d 64, {steps} timed steps per case; {result.environment.cores} cores, {result.environment.torch}, load average {result.environment.load}.").AppendLine();
md.AppendLine("| device | batch | full step (ex/s) | bare model step (ex/s) |").AppendLine("| --- | ---: | ---: | ---: |");
foreach (var c in cases) md.AppendLine(CultureInfo.InvariantCulture, $"| {c.Device} | {c.Batch} | {c.FullExamplesPerSecond:N0} | {c.BareExamplesPerSecond:N0} |");
md.AppendLine().AppendLine(CultureInfo.InvariantCulture, $"A 5-epoch training run with default settings on {training.DeviceName}: {training.TrainExamples:N0} examples per epoch in {run.Elapsed.TotalSeconds:F1} s (kept epoch {history.BestEpoch}, validation Recall@10 {history.BestValidationRecall:F4}).");
File.WriteAllText(Path.Combine(output, "torch-device.md"), md.ToString());
Console.WriteLine(md);

internal sealed record Case(string Device, int Batch, double FullExamplesPerSecond, double BareExamplesPerSecond);
