using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using OrleansReco.Core.Data;
using OrleansReco.Core.Data.Writers;
using OrleansReco.Core.Model;

namespace OrleansReco.Cli.Commands;

/// <summary>
/// <c>reco recommend</c>: batch export of top-K recommendations for every user (chunked, bounded memory, progress),
/// or for one new user described in a JSON file.
/// </summary>
internal static class RecommendCommand
{
    private const int ChunkUsers = 2048;

    public static Command Create()
    {
        var data = new DataArguments();
        var features = new FeatureCheckArguments();
        var modelFile = new Option<FileInfo>("--model") { Description = "Model bundle written by reco train.", Required = true };
        var k = new Option<int>("--k") { Description = "Recommendations per user (per field value with --per-field).", DefaultValueFactory = _ => 20 };
        var output = new Option<FileInfo?>("--out") { Description = "File to write (see --format). Default: stdout (csv and json)." };
        var format = new Option<RecommendFormat>("--format")
        {
            Description = "csv: user_id,item_id,rank,score (plus the field with --per-field); json: {user_id: [{item_id, rank, score, group?}, ...], ...}; parquet: the csv's columns (needs --out).",
            DefaultValueFactory = _ => RecommendFormat.Csv,
        };
        var perField = new Option<string?>("--per-field") { Description = "Item column for top-N per value, e.g. product_type." };
        var includeSeen = new Option<bool>("--include-seen") { Description = "Also recommend items the user already interacted with." };
        var userJson = new Option<FileInfo?>("--user-json") { Description = "Recommend for one user described in JSON: {\"user_id\":..., \"features\":{...}, \"history\":[{\"item_id\":..., \"event_type\":..., \"timestamp\":...}]}." };
        var command = new Command("recommend", "Write top-K recommendations for every user, or for one new user from a JSON file.")
        {
            modelFile, k, output, format, perField, includeSeen, userJson,
        };
        data.AddTo(command);
        features.AddTo(command);
        command.SetAction(parse => DataArguments.Guard("recommend", () =>
        {
            int count = parse.GetValue(k);
            if (count <= 0) throw new ArgumentException($"--k must be positive, not {count}.");
            var model = TwoTowerModel.Load(parse.GetValue(modelFile)!.FullName);
            var dataset = data.Load(parse);
            features.Check(parse, model.Header, dataset, checkUsers: parse.GetValue(userJson) is null);
            var catalog = CatalogOf(dataset);
            var clock = Stopwatch.StartNew();
            var ranker = new CatalogRanker(model, catalog, dataset.Items, parse.GetValue(perField),
                done => Progress($"embedding items {done:N0}/{catalog.Count:N0}"));
            Console.Error.WriteLine();
            string? field = parse.GetValue(perField);
            var single = parse.GetValue(userJson);
            var outFile = parse.GetValue(output);
            var kind = parse.GetValue(format);
            if (kind == RecommendFormat.Parquet && outFile is null) throw new ArgumentException("--format parquet needs --out FILE (Parquet is not written to stdout).");
            if (single is not null)
            {
                var (userId, profile, history) = ReadUserJson(single.FullName, model);
                var rows = new List<(string? Group, int Item, float Score)>();
                ranker.Rank(profile, default, history, count, parse.GetValue(includeSeen), ranker.NewScratch(), rows);
                Write(outFile, kind, ranker, field, writer => writer.WriteUser(userId, rows));
                return 0;
            }
            int users = ExportAll(dataset, model, ranker, count, parse.GetValue(includeSeen), field, outFile, kind);
            Console.Error.WriteLine($"Recommended for {users:N0} users over {catalog.Count:N0} items in {clock.Elapsed.TotalSeconds:F1} s" +
                                    (outFile is null ? "." : $": {outFile.FullName}"));
            return 0;
        }));
        return command;
    }

    /// <summary>Items of the items table, then any other item seen in the events.</summary>
    internal static List<string> CatalogOf(InteractionDataset data)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var catalog = new List<string>();
        if (data.Items is not null)
            foreach (var id in data.Items.Keys)
                if (seen.Add(id)) catalog.Add(id);
        foreach (var e in data.Interactions)
            if (seen.Add(e.ItemId)) catalog.Add(e.ItemId);
        return catalog;
    }

    /// <summary>Every user's events, oldest first; users of the users table without events get an empty history.</summary>
    internal static (List<string> Users, Dictionary<string, List<Interaction>> Histories) Histories(InteractionDataset data)
    {
        var histories = new Dictionary<string, List<Interaction>>(StringComparer.Ordinal);
        var users = new List<string>();
        foreach (var e in data.Interactions)
        {
            if (!histories.TryGetValue(e.UserId, out var list))
            {
                histories[e.UserId] = list = [];
                users.Add(e.UserId);
            }
            list.Add(e);
        }
        foreach (var list in histories.Values) list.Sort((a, b) => a.Timestamp.CompareTo(b.Timestamp));
        if (data.Users is not null)
            foreach (var id in data.Users.Keys)
                if (histories.TryAdd(id, [])) users.Add(id);
        return (users, histories);
    }

    private static int ExportAll(InteractionDataset data, TwoTowerModel model, CatalogRanker ranker, int k, bool includeSeen, string? field, FileInfo? outFile, RecommendFormat format)
    {
        var (users, histories) = Histories(data);
        var profileMap = model.Header.User.MapColumns(data.Users);
        var clock = Stopwatch.StartNew();
        Write(outFile, format, ranker, field, writer =>
        {
            var sliceRows = new List<(string User, List<(string? Group, int Item, float Score)> Rows)>[Environment.ProcessorCount * 2];
            for (int start = 0; start < users.Count; start += ChunkUsers)
            {
                int end = Math.Min(users.Count, start + ChunkUsers);
                int slices = Math.Min(sliceRows.Length, end - start);
                // Each slice (a contiguous run of users) is ranked by one worker into its own buffer; buffers are written
                // in order, so the file keeps the users' order.
                Parallel.For(0, slices, slice =>
                {
                    var ranked = sliceRows[slice] ??= [];
                    ranked.Clear();
                    var scratch = ranker.NewScratch();
                    int per = (end - start + slices - 1) / slices;
                    for (int u = start + slice * per; u < Math.Min(end, start + (slice + 1) * per); u++)
                    {
                        string user = users[u];
                        IReadOnlyList<string?>? profile = data.Users is not null && data.Users.TryGetRow(user, out var values) ? values : null;
                        var rows = new List<(string? Group, int Item, float Score)>(k);
                        ranker.Rank(profile, profile is null ? default : profileMap, histories[user], k, includeSeen, scratch, rows);
                        ranked.Add((user, rows));
                    }
                });
                for (int slice = 0; slice < slices; slice++)
                    foreach (var (user, rows) in sliceRows[slice]) writer.WriteUser(user, rows);
                writer.EndChunk();
                double rate = end / Math.Max(clock.Elapsed.TotalSeconds, 1e-9);
                Progress($"recommending {end:N0}/{users.Count:N0} users ({rate:N0} users/s, ETA {TimeSpan.FromSeconds(Math.Round((users.Count - end) / Math.Max(rate, 1e-9))):mm\\:ss})");
            }
            Console.Error.WriteLine();
        });
        return users.Count;
    }

    /// <summary>Writes the recommendations to <paramref name="outFile"/> atomically, or to stdout when it is null.</summary>
    private static void Write(FileInfo? outFile, RecommendFormat format, CatalogRanker ranker, string? field, Action<RecommendationWriter> write)
    {
        if (outFile is null)
        {
            using var stdout = new BufferedStream(Console.OpenStandardOutput(), 1 << 16);
            using (var writer = RecommendationWriter.Create(format, stdout, ranker.ItemIds, field)) write(writer);
            return;
        }
        AtomicFile.Write(outFile.FullName, stream =>
        {
            using var writer = RecommendationWriter.Create(format, stream, ranker.ItemIds, field);
            write(writer);
        });
    }

    /// <summary>Writes CSV text to <paramref name="outFile"/> atomically, or to stdout when it is null (UTF-8, no BOM).</summary>
    internal static void WriteCsv(FileInfo? outFile, Action<TextWriter> write)
    {
        var utf8 = new UTF8Encoding(false);
        if (outFile is null)
        {
            using var stdout = new StreamWriter(Console.OpenStandardOutput(), utf8, 1 << 16);
            write(stdout);
            return;
        }
        AtomicFile.Write(outFile.FullName, stream =>
        {
            using var writer = new StreamWriter(stream, utf8, 1 << 16, leaveOpen: true);
            write(writer);
        });
    }

    private static void Progress(string line)
    {
        if (!Console.IsErrorRedirected) Console.Error.Write("\r" + line);
    }

    /// <summary>Reads one user (id, profile in the model's column order, history oldest first) from a JSON file.</summary>
    internal static (string UserId, IReadOnlyList<string?>? Profile, List<Interaction> History) ReadUserJson(string path, TwoTowerModel model)
    {
        JsonDocument document;
        try { document = JsonDocument.Parse(File.ReadAllText(path)); }
        catch (JsonException e) { throw new FormatException($"{path}: not valid JSON ({e.Message})."); }
        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object) throw new FormatException($"{path}: expected a JSON object with user_id, features and history.");
            string userId = root.TryGetProperty("user_id", out var id) && id.ValueKind == JsonValueKind.String ? id.GetString()! : "new-user";
            var features = new Dictionary<string, string>(StringComparer.Ordinal);
            if (root.TryGetProperty("features", out var f))
            {
                if (f.ValueKind != JsonValueKind.Object) throw new FormatException($"{path}: 'features' must be an object of column: value.");
                var unknown = f.EnumerateObject().Select(p => p.Name).Where(name => model.UserColumns.All(c => c.Name != name)).ToList();
                if (unknown.Count > 0)
                    throw new FormatException($"{path}: features {string.Join(", ", unknown)} are not user features of this model; it has: {string.Join(", ", model.UserColumns.Select(c => c.Name))}.");
                foreach (var p in f.EnumerateObject())
                {
                    if (p.Value.ValueKind == JsonValueKind.Null) continue; // missing
                    features[p.Name] = p.Value.ValueKind switch
                    {
                        JsonValueKind.String => p.Value.GetString()!,
                        JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False => p.Value.GetRawText(),
                        _ => throw new FormatException($"{path}: features.{p.Name} must be a string or a number."),
                    };
                }
            }
            var history = new List<Interaction>();
            if (root.TryGetProperty("history", out var h))
            {
                if (h.ValueKind != JsonValueKind.Array) throw new FormatException($"{path}: 'history' must be an array of events.");
                int i = 0;
                foreach (var e in h.EnumerateArray())
                {
                    if (!e.TryGetProperty("item_id", out var item) || item.ValueKind != JsonValueKind.String)
                        throw new FormatException($"{path}: history[{i}].item_id is missing or not a string.");
                    string type = e.TryGetProperty("event_type", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString()! : EventTypes.View;
                    float value = e.TryGetProperty("rating", out var r) && r.ValueKind == JsonValueKind.Number ? r.GetSingle() : 1f;
                    long time = e.TryGetProperty("timestamp", out var ts) && ts.ValueKind == JsonValueKind.Number ? ts.GetInt64() : i;
                    history.Add(new Interaction(userId, item.GetString()!, type, value, time));
                    i++;
                }
                history.Sort((a, b) => a.Timestamp.CompareTo(b.Timestamp));
            }
            return (userId, FeatureRows.ToRow(model.UserColumns, features), history);
        }
    }
}
