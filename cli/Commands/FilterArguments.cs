using System.CommandLine;
using OrleansReco.Core.Data;

namespace OrleansReco.Cli.Commands;

/// <summary><c>--min-user-interactions</c> and <c>--min-item-interactions</c> for the commands that train (<c>train</c>, <c>evaluate</c>).</summary>
internal sealed class FilterArguments
{
    public Option<int> MinUser { get; } = new("--min-user-interactions")
    {
        Description = "Drop users with fewer events (iterative k-core together with --min-item-interactions). Default 0: keep all.",
    };

    public Option<int> MinItem { get; } = new("--min-item-interactions")
    {
        Description = "Drop items with fewer events (iterative k-core together with --min-user-interactions). Default 0: keep all.",
    };

    public void AddTo(Command command)
    {
        command.Options.Add(MinUser);
        command.Options.Add(MinItem);
    }

    /// <summary>The data after the filters (unchanged without them); what was dropped goes to stderr.</summary>
    /// <exception cref="ArgumentException">A minimum is negative, or nothing is left.</exception>
    public InteractionDataset Apply(ParseResult parse, InteractionDataset data)
    {
        int minUser = parse.GetValue(MinUser), minItem = parse.GetValue(MinItem);
        if (minUser < 0) throw new ArgumentException($"{MinUser.Name} must not be negative, not {minUser}.");
        if (minItem < 0) throw new ArgumentException($"{MinItem.Name} must not be negative, not {minItem}.");
        if (minUser <= 1 && minItem <= 1) return data;
        var (filtered, report) = InteractionFilter.MinInteractions(data, minUser, minItem);
        Console.Error.WriteLine(report.Describe());
        if (report.KeptEvents == 0)
            throw new ArgumentException($"{MinUser.Name} {minUser} and {MinItem.Name} {minItem} leave no events; lower them.");
        return filtered;
    }
}
