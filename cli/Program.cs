using System.CommandLine;
using OrleansReco.Cli.Commands;

namespace OrleansReco.Cli;

/// <summary><c>reco</c>: the command-line tool.</summary>
internal static class Program
{
    private static async Task<int> Main(string[] args)
    {
        var root = new RootCommand("reco: train, evaluate and serve OrleansReco two-tower recommenders.");
        root.Subcommands.Add(DemoCommand.Create());
        root.Subcommands.Add(GenerateCommand.Create());
        root.Subcommands.Add(TrainCommand.Create());
        root.Subcommands.Add(EvaluateCommand.Create());
        root.Subcommands.Add(RecommendCommand.Create());
        root.Subcommands.Add(ScoreCommand.Create());
        root.Subcommands.Add(BenchCommand.Create());
        return await root.Parse(args).InvokeAsync();
    }
}
