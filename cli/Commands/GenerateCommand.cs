using System.CommandLine;
using OrleansReco.Core.Data.Writers;
using System.Diagnostics;
using OrleansReco.Core.Data.Synthetic;

namespace OrleansReco.Cli.Commands;

/// <summary>
/// <c>reco generate</c>: writes a synthetic wealth-management dataset with planted tastes (users.csv, items.csv,
/// interactions.csv and schema.json) into a folder; <c>--preset wide</c> writes rated films without users.csv. Progress and a summary go to stderr; the written paths to stdout.
/// </summary>
internal static class GenerateCommand
{
    public static Command Create()
    {
        var output = new Option<string>("--out") { Description = "Folder to write interactions, users and items into (created if missing).", Required = true };
        var preset = new Option<string>("--preset") { Description = "Starting sizes: default (10k users, 2k items, 200k events), ml100k (MovieLens-100K shape) or wide (610 users rating 9,742 films 100,836 times over 20 years, no user features).", DefaultValueFactory = _ => "default" };
        var users = new Option<int?>("--users") { Description = "Number of users (overrides the preset)." };
        var items = new Option<int?>("--items") { Description = "Number of items (overrides the preset)." };
        var events = new Option<int?>("--events") { Description = "Number of events (overrides the preset)." };
        var days = new Option<int?>("--days") { Description = "Days the events span (default 180; 7,305 for wide)." };
        var resolution = new Option<int?>("--timestamp-resolution") { Description = "Round every timestamp down to a multiple of this many seconds (1 to 31,622,400; default 1). 86400 gives day-granular stamps, so that most of a user's events share a timestamp, as in logs with dates only." };
        var seed = new Option<int>("--seed") { Description = "Random seed: the same seed and options give the same data.", DefaultValueFactory = _ => 42 };
        var format = new Option<string>("--format") { Description = "csv or parquet.", DefaultValueFactory = _ => "csv" };
        var command = new Command("generate", "Generate a synthetic dataset (users, items, view/add_to_cart/purchase events) with planted tastes.")
        {
            output, preset, users, items, events, days, resolution, seed, format,
        };
        command.SetAction(parse =>
        {
            string formatName = parse.GetValue(format)!.Trim().ToLowerInvariant();
            if (formatName is not ("csv" or "parquet"))
            {
                Console.Error.WriteLine($"--format must be csv or parquet, not '{parse.GetValue(format)}'.");
                return 2;
            }
            string presetName = parse.GetValue(preset)!;
            if (!SyntheticOptions.TryGetPreset(presetName, out var options))
            {
                Console.Error.WriteLine($"--preset must be one of {string.Join(", ", SyntheticOptions.PresetNames)}, not '{presetName}'.");
                return 2;
            }
            options = options with
            {
                Users = parse.GetValue(users) ?? options.Users,
                Items = parse.GetValue(items) ?? options.Items,
                Events = parse.GetValue(events) ?? options.Events,
                Span = parse.GetValue(days) is int d ? TimeSpan.FromDays(d) : options.Span,
                TimestampResolution = parse.GetValue(resolution) is int r ? TimeSpan.FromSeconds(r) : options.TimestampResolution,
                Seed = parse.GetValue(seed),
            };
            try
            {
                options.Validate();
            }
            catch (ArgumentException e)
            {
                Console.Error.WriteLine(OptionMessage(e));
                return 2;
            }
            return Run(options, parse.GetValue(output)!, formatName);
        });
        return command;
    }

    private static int Run(SyntheticOptions options, string folder, string format)
    {
        Console.Error.WriteLine($"generate: {options.Users:N0} users, {options.Items:N0} items, {options.Events:N0} events over {options.Span.TotalDays:F0} days, seed {options.Seed}");
        var clock = Stopwatch.StartNew();
        var data = SyntheticGenerator.Generate(options, line => Console.Error.WriteLine($"  {line}"));
        double generateSeconds = clock.Elapsed.TotalSeconds;
        clock.Restart();
        IReadOnlyList<string> written;
        try
        {
            written = DatasetWriter.WriteDataset(folder, data, format);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine($"Cannot write to '{folder}': {e.Message}");
            return 1;
        }
        double writeSeconds = clock.Elapsed.TotalSeconds;
        var summary = SyntheticSummary.Of(data);
        Console.Error.WriteLine(
            $"Generated {summary.Users:N0} users ({summary.ActiveUsers:N0} active), {summary.Items:N0} items ({summary.ActiveItems:N0} with events), {summary.Events:N0} events " +
            $"from {Date(summary.FirstTimestamp)} to {Date(summary.LastTimestamp)}.");
        if (summary.Ratings > 0) Console.Error.WriteLine($"Ratings: {summary.Ratings:N0} (half stars); no user features.");
        if (summary.Views > 0) Console.Error.WriteLine(
            $"Funnel: {summary.Views:N0} views, {summary.Carts:N0} add_to_cart ({summary.CartShare:P1} of views), " +
            $"{summary.Purchases:N0} purchases ({summary.PurchaseShare:P1} of carts).");
        Console.Error.WriteLine($"Time: generated in {generateSeconds:F2} s, wrote {format} in {writeSeconds:F2} s.");
        foreach (var path in written) Console.WriteLine(path);
        return 0;
    }

    private static string Date(long unixSeconds) => DateTimeOffset.FromUnixTimeSeconds(unixSeconds).ToString("yyyy-MM-dd HH:mm 'UTC'", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Names the command-line flag for the options that have one.</summary>
    private static string OptionMessage(ArgumentException e)
    {
        string? flag = e.ParamName switch
        {
            nameof(SyntheticOptions.Users) => "--users",
            nameof(SyntheticOptions.Items) => "--items",
            nameof(SyntheticOptions.Events) => "--events",
            nameof(SyntheticOptions.Span) => "--days",
            nameof(SyntheticOptions.TimestampResolution) => "--timestamp-resolution",
            _ => null,
        };
        string message = e.Message;
        int suffix = message.IndexOf(" (Parameter '", StringComparison.Ordinal);
        if (suffix >= 0) message = message[..suffix];
        return flag is null ? message : $"{flag}: {message}";
    }
}
