using System.CommandLine;
using OrleansReco.Core.Data;
using OrleansReco.Core.Data.Readers;

namespace OrleansReco.Cli.Commands;

/// <summary>
/// The data options shared by <c>train</c>, <c>evaluate</c>, <c>recommend</c> and <c>score</c>: the files (any
/// supported format, detected from the file), a schema, a MovieLens folder, and what to do with bad rows.
/// </summary>
internal sealed class DataArguments
{
    public Option<FileInfo?> Interactions { get; } = new("--interactions")
    {
        Description = "Interactions file: CSV with a header (user_id,item_id[,event_type][,rating][,timestamp][,event_id]), Parquet, or MovieLens u.data / ratings.dat / ratings.csv.",
    };
    public Option<FileInfo?> Users { get; } = new("--users") { Description = "Users table: user_id + feature columns (CSV or Parquet), or MovieLens u.user / users.dat." };
    public Option<FileInfo?> Items { get; } = new("--items") { Description = "Items table: item_id + feature columns (CSV or Parquet), or MovieLens u.item / movies.dat / movies.csv." };
    public Option<FileInfo?> Schema { get; } = new("--schema") { Description = "JSON schema declaring feature kinds and event-type names (overrides inference)." };
    public Option<DirectoryInfo?> MovieLens { get; } = new("--movielens") { Description = "A MovieLens folder (100K, 1M or latest) instead of --interactions/--users/--items." };
    public Option<bool> SkipBadRows { get; } = new("--skip-bad-rows") { Description = "Count and report malformed rows instead of stopping at the first one." };

    public void AddTo(Command command)
    {
        command.Options.Add(Interactions);
        command.Options.Add(Users);
        command.Options.Add(Items);
        command.Options.Add(Schema);
        command.Options.Add(MovieLens);
        command.Options.Add(SkipBadRows);
    }

    /// <summary>Loads the data named on the command line and prints what was read to stderr.</summary>
    /// <exception cref="ArgumentException">Neither or both of --interactions and --movielens were given.</exception>
    public InteractionDataset Load(ParseResult parse)
    {
        var options = new LoadOptions { SkipBadRows = parse.GetValue(SkipBadRows) };
        var folder = parse.GetValue(MovieLens);
        var interactions = parse.GetValue(Interactions);
        if ((folder is null) == (interactions is null))
            throw new ArgumentException("Give either --interactions FILE (with optional --users/--items) or --movielens FOLDER.");
        var result = folder is not null
            ? DatasetLoader.LoadMovieLensDirectory(folder.FullName, options)
            : DatasetLoader.Load(new DatasetSources(interactions!.FullName, parse.GetValue(Users)?.FullName,
                parse.GetValue(Items)?.FullName, parse.GetValue(Schema)?.FullName), options);
        foreach (var line in result.Report.Describe()) Console.Error.WriteLine(line);
        if (result.Dataset.Interactions.Count == 0) throw new ArgumentException("The interactions file has no events.");
        return result.Dataset;
    }

    /// <summary>
    /// Runs a command body and turns bad input into a message on stderr and exit code 2 (the file, line and field
    /// are in the message for data errors).
    /// </summary>
    public static int Guard(string command, Func<int> body)
    {
        try
        {
            return body();
        }
        catch (Exception e) when (e is DataFormatException or ArgumentException or InvalidDataException or IOException or FormatException)
        {
            Console.Error.WriteLine($"reco {command}: {e.Message}");
            return 2;
        }
    }
}
