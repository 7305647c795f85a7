using System.CommandLine;
using System.Diagnostics;
using OrleansReco.Core.Data;
using OrleansReco.Core.Data.Synthetic;
using OrleansReco.Core.Evaluation;
using OrleansReco.Core.Evaluation.Baselines;
using OrleansReco.Core.Index;
using OrleansReco.Core.Model;
using OrleansReco.Training.Torch;
using OrleansReco.Training.TwoTower;

namespace OrleansReco.Cli.Commands;

/// <summary>
/// <c>reco demo</c>: what the system does so far, end to end and in one process: synthetic data with planted
/// tastes, a two-tower model trained in TorchSharp and compared with baselines on a temporal split, the bundle
/// served by the plain C# forward pass through an HNSW index, a live event changing a user's recommendations,
/// and a brand-new user served from profile features alone.
/// </summary>
internal static class DemoCommand
{
    public static Command Create()
    {
        var users = new Option<int>("--users") { Description = "Synthetic users.", DefaultValueFactory = _ => 2_000 };
        var epochs = new Option<int>("--epochs") { Description = "Most training epochs.", DefaultValueFactory = _ => 6 };
        var seed = new Option<int>("--seed") { Description = "Random seed.", DefaultValueFactory = _ => 42 };
        var command = new Command("demo", "Run the demo: generate data, train, evaluate, serve, update a user live.") { users, epochs, seed };
        command.SetAction(parse => DataArguments.Guard("demo", () =>
        {
            int userCount = parse.GetValue(users), epochCount = parse.GetValue(epochs);
            if (userCount < 100) throw new ArgumentException($"--users must be at least 100, not {userCount}.");
            if (epochCount <= 0) throw new ArgumentException($"--epochs must be positive, not {epochCount}.");
            return Run(userCount, epochCount, parse.GetValue(seed));
        }));
        return command;
    }

    private static int Run(int users, int epochs, int seed)
    {
        var clock = Stopwatch.StartNew();
        Console.WriteLine($"reco demo — {TorchDevices.Describe()}");
        Console.WriteLine();
        Console.WriteLine($"1. Generating {users:N0} users, {users / 4:N0} items and {users * 30:N0} events with planted tastes...");
        var data = SyntheticGenerator.Generate(new SyntheticOptions { Users = users, Items = users / 4, Events = users * 30, Seed = seed });
        var summary = SyntheticSummary.Of(data);
        Console.WriteLine($"   {summary.Views:N0} views, {summary.Carts:N0} add_to_cart, {summary.Purchases:N0} purchases; " +
                          $"{data.Items!.Columns.Count} item features ({string.Join(", ", data.Items.Columns.Select(c => $"{c.Name}:{c.Kind}"))}).");

        Console.WriteLine();
        Console.WriteLine("2. Leave-last-out split; fitting MostPop, EASE and the two-tower model (TorchSharp) on the training part...");
        var split = Splits.LeaveLastOut(data);
        var options = new EvaluationOptions { Ks = [10] };
        var twoTower = new TwoTowerRecommender(new TwoTowerOptions { Epochs = epochs, Seed = seed }, Console.Error);
        var results = new List<ModelResult>
        {
            Evaluator.Evaluate(new MostPopular(), split, options),
            Evaluator.Evaluate(new Ease(500), split, options),
            Evaluator.Evaluate(twoTower, split, options),
        };
        Console.WriteLine();
        Console.WriteLine("   full-catalogue ranking of each test user's last new item, seen items excluded:");
        foreach (var r in results)
            Console.WriteLine($"   {r.Model,-9} Recall@10 {r.Metrics.At(10)!.Recall:F4}  NDCG@10 {r.Metrics.At(10)!.Ndcg:F4}  (fit {r.FitTime.TotalSeconds:F1} s)");

        Console.WriteLine();
        Console.WriteLine("3. Serving from the exported bundle: C# towers (no libtorch) + an HNSW index over every item...");
        string bundlePath = Path.Combine(Path.GetTempPath(), $"reco-demo-{Environment.ProcessId}.bundle");
        twoTower.Bundle!.Write(bundlePath);
        var model = TwoTowerModel.Load(bundlePath);
        File.Delete(bundlePath);
        var catalogue = data.Items.Keys;
        // The ranker embeds the catalogue in the items table's order, so index ids are table rows.
        var embedded = new CatalogueRanker(model, catalogue, data.Items);
        var index = VectorIndex.Build(VectorMetric.Cosine, model.Dimension, Enumerable.Range(0, catalogue.Count).ToArray(), embedded.Vectors);
        Console.WriteLine($"   bundle {model.Version}, d={model.Dimension}; {index.Count:N0} items indexed.");

        string user = split.Test[0].UserId;
        var history = split.Test[0].History.ToList();
        var profileMap = model.Header.User.MapColumns(data.Users);
        data.Users!.TryGetRow(user, out var profile);
        Show(model, index, data.Items, $"user {user} ({history.Count} events; last: {Describe(data.Items, history[^1].ItemId)})", profile, profileMap, history);

        Console.WriteLine();
        Console.WriteLine("4. A live event: the user purchases an item of another category; the embedding is recomputed at once.");
        string other = catalogue.First(id => Field(data.Items, id, "category") != Field(data.Items, history[^1].ItemId, "category"));
        history.Add(new Interaction(user, other, EventTypes.Purchase, 1, history[^1].Timestamp + 60));
        Show(model, index, data.Items, $"user {user} after purchasing {Describe(data.Items, other)}", profile, profileMap, history);

        Console.WriteLine();
        Console.WriteLine("5. A brand-new user, known only by profile features (no events):");
        var newProfile = model.UserColumns.Select(c => data.Users.Row(1)[data.Users.ColumnIndex(c.Name)]).ToArray();
        Show(model, index, data.Items, "new user " + string.Join(", ", model.UserColumns.Select((c, i) => $"{c.Name}={newProfile[i]}")), newProfile, default, []);

        Console.WriteLine();
        Console.WriteLine($"Done in {clock.Elapsed.TotalSeconds:F0} s. Next: `reco generate`, `reco train`, `reco evaluate`, `reco recommend` (see README).");
        return 0;
    }

    private static void Show(TwoTowerModel model, IVectorIndex index, FeatureTable items, string title, IReadOnlyList<string?>? profile,
        ReadOnlySpan<int> profileMap, IReadOnlyList<Interaction> history)
    {
        var user = new float[model.Dimension];
        model.EmbedUser(profile, profileMap, history, long.MaxValue, user);
        var seen = history.Select(e => e.ItemId).ToHashSet(StringComparer.Ordinal);
        var hits = index.Search(user, 5 + seen.Count, ef: 128).Where(h => !seen.Contains(items.Keys[h.Id])).Take(5);
        Console.WriteLine($"   top 5 for {title}:");
        foreach (var hit in hits) Console.WriteLine($"     {hit.Score,6:F3}  {Describe(items, items.Keys[hit.Id])}");
    }

    private static string? Field(FeatureTable items, string id, string column) =>
        items.TryGetRow(id, out var row) && items.ColumnIndex(column) is int c and >= 0 ? row[c] : null;

    private static string Describe(FeatureTable items, string id) =>
        $"{id} [{Field(items, id, "product_type")}/{Field(items, id, "category")}] {Field(items, id, "title")}";
}
