using System.CommandLine;
using OrleansReco.Training.Torch;
using OrleansReco.Training.TwoTower;

namespace OrleansReco.Cli.Commands;

/// <summary><c>reco train</c>: trains the two-tower model and writes the bundle that serving reads.</summary>
internal static class TrainCommand
{
    public static Command Create()
    {
        var data = new DataArguments();
        var model = new TwoTowerArguments();
        var filters = new FilterArguments();
        var output = new Option<FileInfo>("--out") { Description = "Model bundle to write (atomically); the training curves go beside it as <out>.history.json.", Required = true };
        var warm = new Option<FileInfo?>("--warm-start") { Description = "A previous bundle to start from (weights are carried over where the features still match)." };
        var checkpointDir = new Option<DirectoryInfo?>("--checkpoint-dir") { Description = "Write a checkpoint (weights, optimizer state, progress) here after every epoch; off by default." };
        var resume = new Option<bool>("--resume") { Description = "Continue from the newest checkpoint in --checkpoint-dir (same data and options)." };
        var command = new Command("train", "Train the two-tower model on interactions (and optional user/item features) and export a model bundle.") { output, warm, checkpointDir, resume };
        data.AddTo(command);
        model.AddTo(command);
        filters.AddTo(command);
        command.SetAction(parse => DataArguments.Guard("train", () =>
        {
            var options = model.Read(parse);
            var checkpoints = parse.GetValue(checkpointDir) is { } dir ? new TrainingCheckpoints(dir.FullName, parse.GetValue(resume))
                : parse.GetValue(resume) ? throw new ArgumentException("--resume needs --checkpoint-dir DIR (the folder the interrupted run wrote its checkpoints to).")
                : null;
            TorchThreads.Configure(TorchThreadBudget.For(TrainingHost.CommandLine, Environment.ProcessorCount, options.Threads));
            var dataset = filters.Apply(parse, data.Load(parse));
            var outFile = parse.GetValue(output)!;
            var previous = parse.GetValue(warm) is { } w ? Core.Model.ModelBundle.Read(w.FullName) : null;
            using var trainer = new TwoTowerTrainer(dataset, options, catalog: null, log: Console.Error, warmStart: previous);
            var history = trainer.Train(checkpoints);
            var bundle = trainer.ExportBundle();
            bundle.Write(outFile.FullName);
            string historyPath = outFile.FullName + ".history.json";
            history.Save(historyPath);
            Console.WriteLine($"Wrote {outFile.FullName} ({new FileInfo(outFile.FullName).Length / 1024.0 / 1024.0:F1} MiB, version {bundle.Header.Version}, d={bundle.Header.Dimension}, " +
                              $"{bundle.Header.Item.Features.Count} item and {bundle.Header.User.Features.Count} user features) and {historyPath}.");
            return 0;
        }));
        return command;
    }
}
