using System.CommandLine;
using OrleansReco.Core.Data;
using OrleansReco.Core.Model;

namespace OrleansReco.Cli.Commands;

/// <summary>
/// <c>--allow-missing-features</c> and the check behind it, shared by the commands that apply a trained bundle
/// (<c>recommend</c>, <c>score</c>): a bundle trained with user or item features refuses data that lacks them,
/// naming the option that supplies them and the columns the model expects.
/// </summary>
internal sealed class FeatureCheckArguments
{
    public Option<bool> AllowMissing { get; } = new("--allow-missing-features")
    {
        Description = "Apply a model trained with user/item features to data without (some of) them: embed from what is there and say what is missing on stderr.",
    };

    public void AddTo(Command command) => command.Options.Add(AllowMissing);

    /// <summary>
    /// Throws unless <paramref name="data"/> holds every feature column of the bundle's towers (or the override is
    /// given, which writes the same findings to stderr). <paramref name="checkUsers"/> is false where the user's
    /// features come from elsewhere (a <c>--user-json</c> file).
    /// </summary>
    /// <exception cref="ArgumentException">Feature columns are missing; the message names the option and the columns.</exception>
    public void Check(ParseResult parse, BundleHeader header, InteractionDataset data, bool checkUsers = true)
    {
        var problems = new List<string>();
        if (checkUsers) Add(problems, "user", "--users", header.User, data.Users);
        Add(problems, "item", "--items", header.Item, data.Items);
        if (problems.Count == 0) return;
        if (!parse.GetValue(AllowMissing))
            throw new ArgumentException(string.Join(" ", problems) + $" Supply them, or pass {AllowMissing.Name} to embed without them (lower quality).");
        foreach (var p in problems) Console.Error.WriteLine($"warning ({AllowMissing.Name}): {p}");
    }

    private static void Add(List<string> problems, string side, string option, TowerSpec tower, FeatureTable? table)
    {
        var missing = FeatureCoverage.MissingColumns(tower, table);
        if (missing.Count == 0) return;
        string expects = $"The model was trained with {side} features {FeatureCoverage.Describe(tower)}";
        problems.Add(table is null
            ? $"{expects}, but no {side}s table was given ({option} FILE)."
            : $"{expects}, but the {side}s table ({option}) lacks {string.Join(", ", missing)}.");
    }
}
