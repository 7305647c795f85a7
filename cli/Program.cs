using System.CommandLine;
using OrleansReco.Cli.Commands;

var root = new RootCommand("reco: train, evaluate and serve OrleansReco two-tower recommenders.");
root.Subcommands.Add(DemoCommand.Create());
root.Subcommands.Add(BenchCommand.Create());
root.Subcommands.Add(GenerateCommand.Create());
return await root.Parse(args).InvokeAsync();
