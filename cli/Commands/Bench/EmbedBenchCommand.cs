using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using OrleansReco.Core.Data;
using OrleansReco.Core.Data.Synthetic;
using OrleansReco.Core.Model;
using OrleansReco.Training.TwoTower;

namespace OrleansReco.Cli.Commands.Bench;

/// <summary>
/// <c>reco bench embed</c>: the cost of one user-embedding refresh (what the user grain does on every event) with the
/// plain C# forward pass, for the weighted-mean and the attention user tower. Both models are trained briefly on
/// MovieLens-100K-shaped synthetic data with the default shapes (serving cost does not depend on quality); each
/// refresh embeds a user with a full window of N events and their profile. Mean and attention are timed in
/// alternating rounds, so that load from other processes hits both alike; the median and spread of the rounds are
/// reported, with the bytes allocated per refresh.
/// </summary>
internal static class EmbedBenchCommand
{
    public static Command Create()
    {
        var refreshes = new Option<int>("--refreshes") { Description = "Refreshes per round.", DefaultValueFactory = _ => 20_000 };
        var rounds = new Option<int>("--rounds") { Description = "Timed rounds per aggregation.", DefaultValueFactory = _ => 7 };
        var history = new Option<int>("--history-length") { Description = "History length N.", DefaultValueFactory = _ => 50 };
        var dim = new Option<int>("--dim") { Description = "Embedding dimension d.", DefaultValueFactory = _ => 64 };
        var output = new Option<DirectoryInfo>("--out") { Description = "Folder for embed.json and embed.md.", DefaultValueFactory = _ => new DirectoryInfo("bench/results") };
        var command = new Command("embed", "Cost of one user-embedding refresh (C# forward pass): weighted mean vs attention.")
        {
            refreshes, rounds, history, dim, output,
        };
        command.SetAction(parse => DataArguments.Guard("bench embed", () =>
            Run(parse.GetValue(refreshes), parse.GetValue(rounds), parse.GetValue(history), parse.GetValue(dim), parse.GetValue(output)!)));
        return command;
    }

    private sealed record Case(string Aggregation, double MedianMicroseconds, double MinMicroseconds, double MaxMicroseconds,
        double[] RoundMicroseconds, double AllocatedBytesPerRefresh);

    private static int Run(int refreshes, int rounds, int history, int dim, DirectoryInfo output)
    {
        if (refreshes <= 0 || rounds <= 0 || history <= 0 || dim <= 0)
            throw new ArgumentException("--refreshes, --rounds, --history-length and --dim must be positive.");
        var data = SyntheticGenerator.Generate(SyntheticOptions.MovieLens100KShape);
        var models = new List<(HistoryAggregation Aggregation, TwoTowerModel Model)>();
        foreach (var aggregation in new[] { HistoryAggregation.Mean, HistoryAggregation.Attention })
        {
            Console.Error.WriteLine($"bench embed: a short training run for {aggregation} (serving cost does not depend on quality)...");
            using var trainer = new TwoTowerTrainer(data, new TwoTowerOptions
            {
                Dimension = dim, HistoryLength = history, Aggregation = aggregation, Epochs = 1, MaxSteps = 20, Validate = false,
            });
            trainer.Train();
            models.Add((aggregation, new TwoTowerModel(trainer.ExportBundle())));
        }

        // Users with at least N events: their newest N, as the grain holds them, and their profile rows.
        var users = data.Interactions.GroupBy(e => e.UserId).Where(g => g.Count() >= history).Take(500).Select(g =>
        {
            var events = g.OrderBy(e => e.Timestamp).TakeLast(history).Select(e => new HistoryEvent(e.ItemId, e.EventType, e.Value, e.Timestamp)).ToArray();
            return (Id: g.Key, Events: events);
        }).ToArray();
        if (users.Length == 0) throw new InvalidOperationException($"No user has {history} events.");
        var profiles = models.ToDictionary(m => m.Aggregation, m =>
            users.Select(u => FeatureRows.ToRow(m.Model.UserColumns, data.Users!.Features(u.Id))).ToArray());

        double Round(HistoryAggregation aggregation, TwoTowerModel model, out long allocated)
        {
            var rows = profiles[aggregation];
            var destination = new float[model.Dimension];
            long before = GC.GetAllocatedBytesForCurrentThread();
            var clock = Stopwatch.StartNew();
            for (int i = 0; i < refreshes; i++)
            {
                int u = i % users.Length;
                var events = users[u].Events;
                model.EmbedUser(rows[u], events, events[^1].Timestamp, destination);
            }
            double microseconds = clock.Elapsed.TotalMicroseconds / refreshes;
            allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            return microseconds;
        }

        foreach (var (aggregation, model) in models) Round(aggregation, model, out _); // warm-up (JIT, pools)
        var times = models.ToDictionary(m => m.Aggregation, _ => new List<double>());
        var allocations = models.ToDictionary(m => m.Aggregation, _ => 0L);
        for (int r = 0; r < rounds; r++)
        {
            foreach (var (aggregation, model) in models)
            {
                times[aggregation].Add(Round(aggregation, model, out long bytes));
                allocations[aggregation] += bytes;
            }
        }
        var cases = models.Select(m =>
        {
            var t = times[m.Aggregation].Order().ToArray();
            return new Case(m.Aggregation.ToString().ToLowerInvariant(), t[t.Length / 2], t[0], t[^1], times[m.Aggregation].ToArray(),
                (double)allocations[m.Aggregation] / ((long)rounds * refreshes));
        }).ToList();

        output.Create();
        var environment = new
        {
            machine = Environment.MachineName,
            cores = Environment.ProcessorCount,
            date = DateTimeOffset.UtcNow,
            load = BenchEnvironment.LoadAverage(),
        };
        var json = new { environment, history, dim, refreshes, rounds, users = users.Length, cases };
        File.WriteAllText(Path.Combine(output.FullName, "embed.json"), JsonSerializer.Serialize(json, new JsonSerializerOptions { WriteIndented = true }));
        var md = new StringBuilder();
        md.AppendLine("# User-embedding refresh: weighted mean vs attention").AppendLine();
        md.AppendLine(CultureInfo.InvariantCulture,
            $"One refresh = `TwoTowerModel.EmbedUser` on a full window of N = {history} events plus the profile (what the user grain does on every event), d = {dim}, default tower shapes, trained briefly on MovieLens-100K-shaped synthetic data. {rounds} alternating rounds of {refreshes:N0} refreshes over {users.Length} users; {environment.cores} cores, load average {environment.load}.").AppendLine();
        md.AppendLine("| aggregation | µs per refresh (median) | min–max of rounds | bytes allocated per refresh |");
        md.AppendLine("| --- | ---: | ---: | ---: |");
        foreach (var c in cases)
            md.AppendLine(CultureInfo.InvariantCulture, $"| {c.Aggregation} | {c.MedianMicroseconds:F1} | {c.MinMicroseconds:F1}–{c.MaxMicroseconds:F1} | {c.AllocatedBytesPerRefresh:F1} |");
        md.AppendLine().AppendLine(CultureInfo.InvariantCulture,
            $"Attention / mean (medians): {cases[1].MedianMicroseconds / cases[0].MedianMicroseconds:F1}×.");
        File.WriteAllText(Path.Combine(output.FullName, "embed.md"), md.ToString());
        Console.WriteLine(md);
        return 0;
    }
}
