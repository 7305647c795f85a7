using System.CommandLine;
using OrleansReco.Cli.Commands.Bench;

namespace OrleansReco.Cli.Commands;

/// <summary><c>reco bench</c>: scenario benchmarks, each writing JSON and Markdown results. Never run as tests.</summary>
internal static class BenchCommand
{
    /// <summary>One entry per benchmark; add a subcommand by adding its factory here.</summary>
    private static readonly Func<Command>[] Subcommands =
    [
        AnnBenchCommand.Create,
        TrainBenchCommand.Create,
        EmbedBenchCommand.Create,
        ClusterBenchCommand.Create,
        LoadBenchCommand.Create,
        ReliabilityBenchCommand.Create,
        SpinBenchCommand.Create,
    ];

    public static Command Create()
    {
        var command = new Command("bench", "Run a scenario benchmark; results go to JSON and Markdown.");
        foreach (var create in Subcommands) command.Subcommands.Add(create());
        return command;
    }
}
