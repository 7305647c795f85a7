using System.CommandLine;
using System.Globalization;
using OrleansReco.Core.Data;
using OrleansReco.Core.Evaluation;
using OrleansReco.Core.Evaluation.Baselines;
using OrleansReco.Training.TwoTower;

namespace OrleansReco.Cli.Commands;

/// <summary>
/// <c>reco evaluate</c>: splits the events in time, fits every requested model on the training part, ranks the
/// full catalog for each held-out user and writes <c>report.md</c>, <c>report.json</c> and SVG figures.
/// </summary>
internal static class EvaluateCommand
{
    /// <summary>Settings a model factory may read.</summary>
    internal sealed record ModelSettings(double EaseLambda, int Neighbours, TwoTowerOptions TwoTower);

    /// <summary>The two-tower model's name in <see cref="Models"/> (the one <c>--seeds</c> trains per seed).</summary>
    private const string TwoTowerName = "twotower";

    /// <summary>Models by name. Adding one is one line here.</summary>
    internal static readonly IReadOnlyDictionary<string, Func<ModelSettings, IRecommender>> Models =
        new Dictionary<string, Func<ModelSettings, IRecommender>>(StringComparer.OrdinalIgnoreCase)
        {
            ["mostpop"] = _ => new MostPopular(),
            ["itemknn"] = s => new ItemKnn(s.Neighbours),
            ["ease"] = s => new Ease(s.EaseLambda),
            [TwoTowerName] = s => new TwoTowerRecommender(s.TwoTower, Console.Error),
        };

    public static Command Create()
    {
        var data = new DataArguments();
        var twoTower = new TwoTowerArguments();
        var filters = new FilterArguments();
        var models = new Option<string>("--models") { Description = $"Comma-separated models: {string.Join(", ", Models.Keys)}.", DefaultValueFactory = _ => string.Join(',', Models.Keys) };
        var split = new Option<string>("--split") { Description = "leave-last-out (per user: last new item test, second-last validation) or global (temporal cut over all events).", DefaultValueFactory = _ => "leave-last-out" };
        var ks = new Option<string>("--k") { Description = "Comma-separated cut-offs K.", DefaultValueFactory = _ => "10,20" };
        var output = new Option<DirectoryInfo>("--out") { Description = "Folder for report.md, report.json and the figures.", DefaultValueFactory = _ => new DirectoryInfo("eval-report") };
        var lambda = new Option<double>("--ease-lambda") { Description = "EASE L2 regularisation λ.", DefaultValueFactory = _ => 500 };
        var neighbours = new Option<int>("--neighbours") { Description = "ItemKNN neighbours kept per item.", DefaultValueFactory = _ => 100 };
        var validation = new Option<double>("--validation-fraction") { Description = "Global split: share of events (by time) for validation.", DefaultValueFactory = _ => 0.1 };
        var test = new Option<double>("--test-fraction") { Description = "Global split: share of events (by time) for test.", DefaultValueFactory = _ => 0.1 };
        var seeds = new Option<string?>("--seeds") { Description = "Train the two-tower model once per seed (comma-separated, at least two) and report each run, their mean and spread; instead of --seed." };
        var history = new Option<FileInfo?>("--training-history") { Description = "Training history JSON (per-epoch loss and validation recall) to plot." };
        var command = new Command("evaluate", "Evaluate models offline on a temporal split and write a report with figures.")
        {
            models, split, ks, output, lambda, neighbours, validation, test, history, seeds,
        };
        data.AddTo(command);
        twoTower.AddTo(command);
        filters.AddTo(command);
        command.SetAction(parse => DataArguments.Guard("evaluate", () =>
            Run(data, filters, parse, parse.GetValue(models)!, parse.GetValue(split)!, parse.GetValue(ks)!,
                    parse.GetValue(output)!, new ModelSettings(parse.GetValue(lambda), parse.GetValue(neighbours), twoTower.Read(parse)),
                    parse.GetValue(validation), parse.GetValue(test), parse.GetValue(history),
                    ParseSeeds(parse.GetValue(seeds), parse.GetValue(twoTower.Seed) is not null))));
        return command;
    }

    /// <summary>The seeds of <c>--seeds</c> (null without it).</summary>
    /// <exception cref="ArgumentException">A seed is not an integer, fewer than two distinct seeds, or <c>--seed</c> given as well.</exception>
    internal static long[]? ParseSeeds(string? list, bool seedGiven)
    {
        if (list is null) return null;
        if (seedGiven) throw new ArgumentException("--seed and --seeds were both given: --seeds trains once per seed it lists; use one of them.");
        var seeds = list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(x => long.TryParse(x, NumberStyles.Integer, CultureInfo.InvariantCulture, out long v) ? v : throw new ArgumentException($"--seeds: '{x}' is not an integer."))
            .ToArray();
        if (seeds.Distinct().Count() != seeds.Length) throw new ArgumentException($"--seeds: '{list}' repeats a seed.");
        if (seeds.Length < 2) throw new ArgumentException($"--seeds needs at least two seeds, not '{list}' (for one, use --seed).");
        return seeds;
    }

    /// <summary>
    /// The model trained and evaluated once per seed, then their mean (<see cref="SeedRuns.Mean"/>) and their ensemble
    /// (<see cref="ScoreMean"/>, its fit time the members' summed); the runs' spread and the first run's training curves.
    /// </summary>
    private static (List<ModelResult> Results, IReadOnlyList<SeedSpread> Spread, TrainingHistory? History) OncePerSeed(
        string name, ModelSettings settings, long[] seeds, EvaluationSplit split, EvaluationOptions options, Action<string> log)
    {
        var runs = new List<ModelResult>(seeds.Length + 2);
        var fitted = new List<IRecommender>(seeds.Length);
        TrainingHistory? history = null;
        string modelName = "";
        foreach (long seed in seeds)
        {
            Console.Error.WriteLine($"two-tower: training seed {seed} ({runs.Count + 1} of {seeds.Length})");
            var model = Models[name](settings with { TwoTower = settings.TwoTower with { Seed = seed } });
            var run = Evaluator.Evaluate(model, split, options, log);
            modelName = run.Model;
            runs.Add(run with { Model = SeedRuns.RunName(run.Model, seed) });
            fitted.Add(model);
            if (model is TwoTowerRecommender { History: { } curves }) history ??= curves;
        }
        var spread = SeedRuns.Spread(modelName, seeds, runs, options.Ks);
        var mean = SeedRuns.Mean(SeedRuns.MeanName(modelName, seeds.Length), runs);
        var ensemble = Evaluator.Evaluate(new ScoreMean(SeedRuns.EnsembleName(modelName, seeds.Length), fitted), split, options, log);
        var fitTime = TimeSpan.FromTicks(runs.Sum(r => r.FitTime.Ticks));
        runs.Add(mean);
        runs.Add(ensemble with { FitTime = fitTime });
        return (runs, spread, history);
    }

    private static int Run(DataArguments dataArguments, FilterArguments filters, ParseResult parse, string modelList, string splitName, string kList, DirectoryInfo output, ModelSettings settings,
        double validationFraction, double testFraction, FileInfo? historyFile, long[]? seeds)
    {
        var names = modelList.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var unknown = names.Where(n => !Models.ContainsKey(n)).ToList();
        if (names.Length == 0 || unknown.Count > 0)
            throw new ArgumentException($"Unknown model(s) '{string.Join(", ", unknown)}' in --models; known: {string.Join(", ", Models.Keys)}.");
        if (seeds is not null && !names.Contains(TwoTowerName, StringComparer.OrdinalIgnoreCase))
            throw new ArgumentException($"--seeds trains the two-tower model once per seed, and --models ({modelList}) does not include {TwoTowerName}.");
        var ks = kList.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(k => int.TryParse(k, CultureInfo.InvariantCulture, out int v) && v > 0 ? v : throw new ArgumentException($"--k: '{k}' is not a positive integer."))
            .Distinct().Order().ToArray();
        if (ks.Length == 0) throw new ArgumentException("--k needs at least one cut-off.");
        // One --threads (from the two-tower options) sets both libtorch's threads and the scoring threads; 0 or absent: every core.
        int? threads = settings.TwoTower.Threads > 0 ? settings.TwoTower.Threads : null;
        var trainingHistory = historyFile is null ? null : TrainingHistory.Load(historyFile.FullName);

        var data = filters.Apply(parse, dataArguments.Load(parse));
        var events = data.Interactions;
        string source = parse.GetValue(dataArguments.MovieLens)?.Name ?? parse.GetValue(dataArguments.Interactions)!.Name;
        var evaluationSplit = splitName.ToLowerInvariant() switch
        {
            "leave-last-out" => Splits.LeaveLastOut(data),
            "global" => Splits.GlobalTemporal(data, validationFraction, testFraction),
            _ => throw new ArgumentException($"--split must be leave-last-out or global, not '{splitName}'."),
        };
        var s = evaluationSplit.Stats;
        Console.Error.WriteLine($"{events.Count:N0} events; split {evaluationSplit.Name}: {s.TrainEvents:N0} training events, {s.TestUsers:N0} test users, {evaluationSplit.Catalog.Count:N0} items");

        var options = new EvaluationOptions { Ks = ks, Threads = threads };
        var results = new List<ModelResult>();
        IReadOnlyList<SeedSpread>? spread = null;
        void Log(string line) => Console.Error.WriteLine("  " + line);
        foreach (var name in names)
        {
            if (seeds is not null && string.Equals(name, TwoTowerName, StringComparison.OrdinalIgnoreCase))
            {
                (var runs, spread, var seedCurves) = OncePerSeed(name, settings, seeds, evaluationSplit, options, Log);
                trainingHistory ??= seedCurves;
                results.AddRange(runs);
                continue;
            }
            var single = Models[name](settings);
            results.Add(Evaluator.Evaluate(single, evaluationSplit, options, Log));
            if (single is TwoTowerRecommender { History: { } history }) trainingHistory ??= history;
        }

        var report = EvaluationReportWriter.WriteAll(output.FullName, source, events, evaluationSplit, ks, results, trainingHistory, spread);
        Console.WriteLine(EvaluationReportWriter.MetricsTable(results, ks));
        if (report.Paired is { Count: > 0 } paired) Console.WriteLine(EvaluationReportWriter.PairedTable(paired));
        if (report.Seeds is { Count: > 0 } seedTable) Console.WriteLine(EvaluationReportWriter.SeedTable(seedTable));
        Console.WriteLine($"Report: {Path.Combine(output.FullName, "report.md")} (+ report.json, {report.Figures.Count} figures)");
        return 0;
    }
}
