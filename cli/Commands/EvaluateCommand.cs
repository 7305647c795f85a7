using System.CommandLine;
using System.Globalization;
using OrleansReco.Core.Data;
using OrleansReco.Core.Evaluation;
using OrleansReco.Core.Evaluation.Baselines;
using OrleansReco.Training.TwoTower;

namespace OrleansReco.Cli.Commands;

/// <summary>
/// <c>reco evaluate</c>: splits the events in time, fits every requested model on the training part, ranks the
/// full catalogue for each held-out user and writes <c>report.md</c>, <c>report.json</c> and SVG figures.
/// </summary>
internal static class EvaluateCommand
{
    /// <summary>Settings a model factory may read.</summary>
    internal sealed record ModelSettings(double EaseLambda, int Neighbours, TwoTowerOptions TwoTower);

    /// <summary>Models by name. Adding one is one line here.</summary>
    internal static readonly IReadOnlyDictionary<string, Func<ModelSettings, IRecommender>> Models =
        new Dictionary<string, Func<ModelSettings, IRecommender>>(StringComparer.OrdinalIgnoreCase)
        {
            ["mostpop"] = _ => new MostPopular(),
            ["itemknn"] = s => new ItemKnn(s.Neighbours),
            ["ease"] = s => new Ease(s.EaseLambda),
            ["twotower"] = s => new TwoTowerRecommender(s.TwoTower, Console.Error),
        };

    private static TwoTowerOptions TwoTowerOptionsFromEnvironment()
    {
        var o = new TwoTowerOptions();
        string? Get(string n) => Environment.GetEnvironmentVariable("TT_" + n);
        if (Get("EPOCHS") is { } e) o = o with { Epochs = int.Parse(e, CultureInfo.InvariantCulture) };
        if (Get("LR") is { } lr) o = o with { LearningRate = double.Parse(lr, CultureInfo.InvariantCulture) };
        if (Get("TEMP") is { } t) o = o with { Temperature = float.Parse(t, CultureInfo.InvariantCulture) };
        if (Get("BATCH") is { } b) o = o with { BatchSize = int.Parse(b, CultureInfo.InvariantCulture) };
        if (Get("HIDDEN") is { } h) o = o with { UserHidden = h.Length == 0 ? [] : h.Split(',').Select(int.Parse).ToArray(), ItemHidden = h.Length == 0 ? [] : h.Split(',').Select(int.Parse).ToArray() };
        if (Get("WD") is { } wd) o = o with { WeightDecay = double.Parse(wd, CultureInfo.InvariantCulture) };
        if (Get("HALFLIFE") is { } hl) o = o with { HalfLifeDays = double.Parse(hl, CultureInfo.InvariantCulture) };
        if (Get("LOGQ") is { } lq) o = o with { LogQCorrection = lq == "1" };
        if (Get("LOGQW") is { } lw) o = o with { LogQWeight = float.Parse(lw, CultureInfo.InvariantCulture) };
        if (Get("UNIF") is { } un) o = o with { UniformNegatives = int.Parse(un, CultureInfo.InvariantCulture) };
        if (Get("PATIENCE") is { } pa) o = o with { Patience = int.Parse(pa, CultureInfo.InvariantCulture) };
        if (Get("DIM") is { } di) o = o with { Dimension = int.Parse(di, CultureInfo.InvariantCulture) };
        if (Get("HIST") is { } hi) o = o with { HistoryLength = int.Parse(hi, CultureInfo.InvariantCulture) };
        return o;
    }

    public static Command Create()
    {
        var interactions = new Option<FileInfo>("--interactions") { Description = "Interactions CSV with a header: user_id,item_id[,event_type][,rating][,timestamp]; or MovieLens u.data (tab-separated user, item, rating, timestamp).", Required = true };
        var models = new Option<string>("--models") { Description = $"Comma-separated models: {string.Join(", ", Models.Keys)}.", DefaultValueFactory = _ => string.Join(',', Models.Keys) };
        var split = new Option<string>("--split") { Description = "leave-last-out (per user: last new item test, second-last validation) or global (temporal cut over all events).", DefaultValueFactory = _ => "leave-last-out" };
        var ks = new Option<string>("--k") { Description = "Comma-separated cut-offs K.", DefaultValueFactory = _ => "10,20" };
        var output = new Option<DirectoryInfo>("--out") { Description = "Folder for report.md, report.json and the figures.", DefaultValueFactory = _ => new DirectoryInfo("eval-report") };
        var lambda = new Option<double>("--ease-lambda") { Description = "EASE L2 regularisation λ.", DefaultValueFactory = _ => 500 };
        var neighbours = new Option<int>("--neighbours") { Description = "ItemKNN neighbours kept per item.", DefaultValueFactory = _ => 100 };
        var validation = new Option<double>("--validation-fraction") { Description = "Global split: share of events (by time) for validation.", DefaultValueFactory = _ => 0.1 };
        var test = new Option<double>("--test-fraction") { Description = "Global split: share of events (by time) for test.", DefaultValueFactory = _ => 0.1 };
        var threads = new Option<int?>("--threads") { Description = "Scoring threads (default: all cores)." };
        var history = new Option<FileInfo?>("--history") { Description = "Training history JSON (per-epoch loss and validation recall) to plot." };
        var command = new Command("evaluate", "Evaluate models offline on a temporal split and write a report with figures.")
        {
            interactions, models, split, ks, output, lambda, neighbours, validation, test, threads, history,
        };
        command.SetAction(parse =>
        {
            try
            {
                return Run(parse.GetValue(interactions)!, parse.GetValue(models)!, parse.GetValue(split)!, parse.GetValue(ks)!,
                    parse.GetValue(output)!, new ModelSettings(parse.GetValue(lambda), parse.GetValue(neighbours), TwoTowerOptionsFromEnvironment()),
                    parse.GetValue(validation), parse.GetValue(test), parse.GetValue(threads), parse.GetValue(history));
            }
            catch (Exception e) when (e is ArgumentException or InvalidDataException or IOException)
            {
                Console.Error.WriteLine($"reco evaluate: {e.Message}");
                return 2;
            }
        });
        return command;
    }

    private static int Run(FileInfo file, string modelList, string splitName, string kList, DirectoryInfo output, ModelSettings settings,
        double validationFraction, double testFraction, int? threads, FileInfo? historyFile)
    {
        var names = modelList.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var unknown = names.Where(n => !Models.ContainsKey(n)).ToList();
        if (names.Length == 0 || unknown.Count > 0)
            throw new ArgumentException($"Unknown model(s) '{string.Join(", ", unknown)}' in --models; known: {string.Join(", ", Models.Keys)}.");
        var ks = kList.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(k => int.TryParse(k, CultureInfo.InvariantCulture, out int v) && v > 0 ? v : throw new ArgumentException($"--k: '{k}' is not a positive integer."))
            .Distinct().Order().ToArray();
        if (ks.Length == 0) throw new ArgumentException("--k needs at least one cut-off.");
        if (threads is <= 0) throw new ArgumentException($"--threads must be positive, not {threads}.");
        var trainingHistory = historyFile is null ? null : TrainingHistory.Load(historyFile.FullName);

        Console.Error.WriteLine($"Reading {file.FullName}...");
        var events = InteractionCsv.Read(file.FullName);
        var data = new InteractionDataset(events, null, null);
        var evaluationSplit = splitName.ToLowerInvariant() switch
        {
            "leave-last-out" => Splits.LeaveLastOut(data),
            "global" => Splits.GlobalTemporal(data, validationFraction, testFraction),
            _ => throw new ArgumentException($"--split must be leave-last-out or global, not '{splitName}'."),
        };
        var s = evaluationSplit.Stats;
        Console.Error.WriteLine($"{events.Count:N0} events; split {evaluationSplit.Name}: {s.TrainEvents:N0} training events, {s.TestUsers:N0} test users, {evaluationSplit.Catalogue.Count:N0} items");

        var options = new EvaluationOptions { Ks = ks, Threads = threads };
        var results = new List<ModelResult>();
        foreach (var name in names)
            results.Add(Evaluator.Evaluate(Models[name](settings), evaluationSplit, options, line => Console.Error.WriteLine("  " + line)));

        var report = EvaluationReportWriter.WriteAll(output.FullName, file.Name, events, evaluationSplit, ks, results, trainingHistory);
        Console.WriteLine(EvaluationReportWriter.MetricsTable(results, ks));
        Console.WriteLine($"Report: {Path.Combine(output.FullName, "report.md")} (+ report.json, {report.Figures.Count} figures)");
        return 0;
    }

    /// <summary>
    /// Minimal interactions reader until the shared data readers land: comma- or tab-separated, header with
    /// user_id and item_id and optionally event_type, rating (or value) and timestamp. A headerless tab-separated
    /// file of four columns is read as MovieLens u.data. Without timestamps, the line number orders events.
    /// </summary>
    internal static class InteractionCsv
    {
        public static List<Interaction> Read(string path)
        {
            using var reader = new StreamReader(path);
            string? first = reader.ReadLine() ?? throw new InvalidDataException($"{path}: empty file.");
            char separator = first.Contains('\t') ? '\t' : ',';
            var header = first.Split(separator).Select(h => h.Trim().ToLowerInvariant()).ToArray();
            int user = Array.IndexOf(header, "user_id"), item = Array.IndexOf(header, "item_id");
            int type = Array.IndexOf(header, "event_type");
            int value = Array.IndexOf(header, "rating") is int r and >= 0 ? r : Array.IndexOf(header, "value");
            int time = Array.IndexOf(header, "timestamp");
            var events = new List<Interaction>();
            long lineNumber = 1;
            if (user < 0 || item < 0)
            {
                if (separator != '\t' || header.Length != 4)
                    throw new InvalidDataException($"{path}: the header needs user_id and item_id columns (got '{first}').");
                (user, item, value, time, type) = (0, 1, 2, 3, -1); // MovieLens u.data: no header
                events.Add(Parse(first, lineNumber));
            }
            for (string? line; (line = reader.ReadLine()) is not null;)
            {
                lineNumber++;
                if (line.Length > 0) events.Add(Parse(line, lineNumber));
            }
            return events;

            Interaction Parse(string line, long number)
            {
                var fields = line.Split(separator);
                int needed = new[] { user, item, type, value, time }.Max() + 1;
                if (fields.Length < needed)
                    throw new InvalidDataException($"{path}:{number}: {fields.Length} fields, expected {needed}.");
                float v = 1f;
                if (value >= 0 && fields[value].Length > 0 && !float.TryParse(fields[value], CultureInfo.InvariantCulture, out v))
                    throw new InvalidDataException($"{path}:{number}: rating '{fields[value]}' is not a number.");
                long t = number;
                if (time >= 0 && !long.TryParse(fields[time], CultureInfo.InvariantCulture, out t))
                    throw new InvalidDataException($"{path}:{number}: timestamp '{fields[time]}' is not unix seconds.");
                string eventType = type >= 0 && fields[type].Length > 0 ? fields[type].Trim() : value >= 0 ? EventTypes.Rating : EventTypes.View;
                return new Interaction(fields[user].Trim(), fields[item].Trim(), eventType, v, t);
            }
        }
    }
}
