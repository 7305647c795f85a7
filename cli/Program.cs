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
        root.Subcommands.Add(ClusterCommand.Create());
        var parse = root.Parse(args);
        // reco cluster up stops its child processes itself on SIGINT and SIGTERM, which takes longer than the 2 s the
        // parser gives an action after a signal before it returns (and the process ends).
        var invocation = parse.CommandResult.Command.Name == "up" ? new InvocationConfiguration { ProcessTerminationTimeout = null } : new InvocationConfiguration();
        return await parse.InvokeAsync(invocation);
    }
}
