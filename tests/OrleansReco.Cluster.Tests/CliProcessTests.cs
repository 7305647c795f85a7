using System.Text;
using OrleansReco.LocalCluster;

namespace OrleansReco.Cluster.Tests;

/// <summary>
/// The <c>reco</c> commands as a user runs them, each as its own process: generate → train → evaluate → recommend →
/// score, the refusal of a feature-trained model without its features, checkpoints and resume, and a shop export
/// in seed 004's column names.
/// </summary>
public sealed class CliProcessTests : IDisposable
{
    private static readonly TimeSpan Limit = TimeSpan.FromMinutes(4);
    private readonly string _folder = Directory.CreateTempSubdirectory("reco-cli-").FullName;

    private string At(string name) => Path.Combine(_folder, name);

    private static async Task<(int Code, string Output)> Reco(string phase, params string[] arguments)
    {
        await using var process = ChildProcess.Start($"reco {arguments[0]}", "dotnet", [BuildOutput.RecoDll, .. arguments],
            new Dictionary<string, string>(), logPath: null);
        int code;
        try { code = await process.Exited.WaitAsync(Limit); }
        catch (TimeoutException) { throw new TimeoutException($"{phase}: reco {arguments[0]} did not finish within {Limit.TotalMinutes} min. Last output:\n{process.Tail}"); }
        return (code, process.Tail);
    }

    private static async Task<string> Succeeds(string phase, params string[] arguments)
    {
        var (code, output) = await Reco(phase, arguments);
        Assert.True(code == 0, $"{phase}: exit code {code}. Output:\n{output}");
        return output;
    }

    /// <summary><c>--format json</c> and <c>--format parquet</c> hold the lists of the CSV (<paramref name="csv"/>), user by user.</summary>
    private async Task RecommendFormats_SameListsAsTheCsv(string[] files, string[] csv)
    {
        var rows = csv.Skip(1).Select(l => l.Split(',')).ToArray();
        var lists = rows.GroupBy(f => f[0]).ToDictionary(g => g.Key, g => g.Select(f => f[1]).ToArray());

        await Succeeds("recommend json", ["recommend", "--model", At("model.bundle"), .. files, "--k", "5", "--format", "json", "--out", At("recs.json")]);
        using (var json = System.Text.Json.JsonDocument.Parse(File.ReadAllText(At("recs.json"))))
        {
            var users = json.RootElement.EnumerateObject().ToArray();
            Assert.Equal(lists.Keys.Order(), users.Select(u => u.Name).Order());
            foreach (var user in users)
            {
                Assert.Equal(lists[user.Name], user.Value.EnumerateArray().Select(e => e.GetProperty("item_id").GetString()));
                Assert.Equal([1, 2, 3, 4, 5], user.Value.EnumerateArray().Select(e => e.GetProperty("rank").GetInt32()));
            }
        }

        await Succeeds("recommend parquet", ["recommend", "--model", At("model.bundle"), .. files, "--k", "5", "--format", "parquet", "--out", At("recs.parquet")]);
        await using (var reader = await Parquet.ParquetReader.CreateAsync(At("recs.parquet")))
        {
            var fields = reader.Schema.GetDataFields();
            Assert.Equal(["user_id", "item_id", "rank", "score"], fields.Select(f => f.Name));
            var read = new List<string>();
            for (int g = 0; g < reader.RowGroupCount; g++)
            {
                using var group = reader.OpenRowGroupReader(g);
                int n = checked((int)group.RowCount);
                string?[] users = new string?[n], items = new string?[n];
                int[] ranks = new int[n];
                float[] scores = new float[n];
                await group.ReadAsync(fields[0], users.AsMemory());
                await group.ReadAsync(fields[1], items.AsMemory());
                await group.ReadAsync<int>(fields[2], ranks.AsMemory());
                await group.ReadAsync<float>(fields[3], scores.AsMemory());
                for (int i = 0; i < n; i++)
                    read.Add($"{users[i]},{items[i]},{ranks[i]},{scores[i].ToString("0.######", System.Globalization.CultureInfo.InvariantCulture)}");
            }
            Assert.Equal(csv.Skip(1), read);
        }

        var (refused, message) = await Reco("parquet to stdout", ["recommend", "--model", At("model.bundle"), .. files, "--format", "parquet"]);
        Assert.True(refused == 2, $"exit code {refused}:\n{message}");
        Assert.Contains("--format parquet needs --out", message);
    }

    [Fact]
    public async Task Commands_GenerateTrainEvaluateRecommendScore_RunEndToEnd()
    {
        string data = At("data");
        await Succeeds("generate", "generate", "--out", data, "--users", "300", "--items", "80", "--events", "6000", "--seed", "5");
        string[] files = ["--interactions", Path.Combine(data, "interactions.csv"), "--users", Path.Combine(data, "users.csv"),
            "--items", Path.Combine(data, "items.csv"), "--schema", Path.Combine(data, "schema.json")];
        string[] small = ["--epochs", "2", "--dim", "16", "--hidden", "32", "--batch-size", "256"];

        string trained = await Succeeds("train", ["train", .. files, .. small, "--out", At("model.bundle"), "--checkpoint-dir", At("checkpoints"),
            "--min-user-interactions", "5", "--min-item-interactions", "5"]);
        Assert.Contains("filter (iterative, at least 5 events per user and 5 per item): dropped", trained);
        Assert.Contains("checkpoint after epoch 2", trained);
        Assert.True(File.Exists(At("model.bundle")) && File.Exists(At("model.bundle.history.json")), trained);

        string resumed = await Succeeds("resume", ["train", .. files, .. small, "--out", At("resumed.bundle"), "--checkpoint-dir", At("checkpoints"), "--resume",
            "--min-user-interactions", "5", "--min-item-interactions", "5"]);
        Assert.Contains("resumed from", resumed);

        // A setting of the weighted mean is refused with the default attention tower rather than silently ignored.
        var (ignored, why) = await Reco("mean setting", ["train", .. files, .. small, "--half-life-days", "7", "--out", At("ignored.bundle")]);
        Assert.True(ignored == 2, $"exit code {ignored}:\n{why}");
        Assert.Contains("--half-life-days weighs the history of the mean user tower", why);
        Assert.Contains("Add --aggregation mean", why);
        Assert.False(File.Exists(At("ignored.bundle")));
        // And the attention encoder's shape is refused with the mean tower; a shape the encoder cannot take names its option.
        var (meanShaped, meanWhy) = await Reco("attention setting", ["train", .. files, .. small, "--aggregation", "mean", "--attention-layers", "2", "--out", At("ignored.bundle")]);
        Assert.True(meanShaped == 2, $"exit code {meanShaped}:\n{meanWhy}");
        Assert.Contains("--attention-layers shapes the attention user tower, but --aggregation mean was given", meanWhy);
        var (badHeads, headsWhy) = await Reco("attention heads", ["train", .. files, .. small, "--attention-heads", "3", "--out", At("ignored.bundle")]);
        Assert.True(badHeads == 2, $"exit code {badHeads}:\n{headsWhy}");
        Assert.Contains("AttentionHeads must be positive and divide the dimension 16", headsWhy);
        // The teachers' weight without teachers would weigh nothing: refused, naming both options.
        var (lonelyWeight, weightWhy) = await Reco("distill weight", ["train", .. files, .. small, "--distill-weight", "0.7", "--out", At("ignored.bundle")]);
        Assert.True(lonelyWeight == 2, $"exit code {lonelyWeight}:\n{weightWhy}");
        Assert.Contains("--distill-weight weighs the teachers' part of the loss, but no --teachers were given", weightWhy);
        // A benchmark option out of range is refused before anything starts.
        var (badShare, shareWhy) = await Reco("flow share", ["bench", "cluster", "--storage", "redis", "--flow-share", "1.5", "--out", At("bench.json")]);
        Assert.True(badShare == 2, $"exit code {badShare}:\n{shareWhy}");
        Assert.Contains("--flow-share must be in [0, 1], not 1.5", shareWhy);
        Assert.False(File.Exists(At("bench.json")));
        Assert.False(File.Exists(At("ignored.bundle")));

        // The two-tower model once per training seed: each run, their mean (compared with EASE user by user) and the spread.
        await Succeeds("evaluate", ["evaluate", .. files, .. small, "--models", "mostpop,ease,twotower", "--seeds", "1,2", "--out", At("report")]);
        string report = File.ReadAllText(Path.Combine(At("report"), "report.md"));
        Assert.Contains("| MostPop | 10 |", report);
        Assert.Contains("| TwoTower (seed 1) | 10 |", report);
        Assert.Contains("| TwoTower (seed 2) | 10 |", report);
        Assert.Contains("| TwoTower (mean of 2 seeds) | EASE | 10 |", report);
        Assert.Contains("| TwoTower (ensemble of 2 seeds) | EASE | 10 |", report);
        Assert.Contains("## Training seeds", report);
        using (var json = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(At("report"), "report.json"))))
        {
            var seedRows = json.RootElement.GetProperty("seeds").EnumerateArray().ToList();
            Assert.Equal([10, 20], seedRows.Select(r => r.GetProperty("k").GetInt32()));
            var recalls = seedRows[0].GetProperty("recalls").EnumerateArray().Select(r => r.GetDouble()).ToList();
            Assert.Equal(2, recalls.Count);
            var mean = json.RootElement.GetProperty("models").EnumerateArray().Single(m => m.GetProperty("name").GetString() == "TwoTower (mean of 2 seeds)");
            double meanRecall = mean.GetProperty("byK").EnumerateArray().First().GetProperty("recall").GetDouble();
            Assert.Equal(recalls.Average(), meanRecall, 9);
        }
        var (oneSeed, oneSeedWhy) = await Reco("evaluate with one seed", ["evaluate", .. files, "--seeds", "3", "--out", At("report-one")]);
        Assert.True(oneSeed == 2, $"exit code {oneSeed}:\n{oneSeedWhy}");
        Assert.Contains("--seeds needs at least two seeds", oneSeedWhy);

        await Succeeds("recommend", ["recommend", "--model", At("model.bundle"), .. files, "--k", "5", "--out", At("recs.csv")]);
        var recs = File.ReadAllLines(At("recs.csv"));
        Assert.Equal("user_id,item_id,rank,score", recs[0]);
        var perUser = recs.Skip(1).Select(l => l.Split(',')).GroupBy(f => f[0]).ToList();
        Assert.True(perUser.Count >= 200, $"recommendations for {perUser.Count} users");
        Assert.All(perUser, g => Assert.Equal(["1", "2", "3", "4", "5"], g.Select(f => f[2])));

        await RecommendFormats_SameListsAsTheCsv(files, recs);

        var pairs = new StringBuilder("user_id,item_id\n");
        foreach (var row in recs.Skip(1).Take(6)) pairs.Append(string.Join(',', row.Split(',')[..2])).Append('\n');
        File.WriteAllText(At("pairs.csv"), pairs.ToString());
        await Succeeds("score", ["score", "--model", At("model.bundle"), .. files, "--pairs", At("pairs.csv"), "--out", At("scores.csv")]);
        var scores = File.ReadAllLines(At("scores.csv"));
        Assert.Equal("user_id,item_id,score", scores[0]);
        // The score of a pair is the score recommend ranked it by.
        for (int i = 1; i < scores.Length; i++)
            Assert.Equal(float.Parse(recs[i].Split(',')[3], System.Globalization.CultureInfo.InvariantCulture),
                float.Parse(scores[i].Split(',')[2], System.Globalization.CultureInfo.InvariantCulture), 4);

        // Without the items file, a model trained with item features is refused, naming the option and the columns.
        string[] withoutItems = ["--interactions", Path.Combine(data, "interactions.csv"), "--users", Path.Combine(data, "users.csv"), "--schema", Path.Combine(data, "schema.json")];
        var (refused, message) = await Reco("recommend without items", ["recommend", "--model", At("model.bundle"), .. withoutItems, "--out", At("bare.csv")]);
        Assert.True(refused == 2, $"exit code {refused}:\n{message}");
        Assert.Contains("no items table was given (--items FILE)", message);
        Assert.Contains("--allow-missing-features", message);
        Assert.Contains("product_type", message);
        Assert.False(File.Exists(At("bare.csv")));
        var (scoreRefused, _) = await Reco("score without items", ["score", "--model", At("model.bundle"), .. withoutItems, "--pairs", At("pairs.csv")]);
        Assert.Equal(2, scoreRefused);

        string allowed = await Succeeds("recommend --allow-missing-features",
            ["recommend", "--model", At("model.bundle"), .. withoutItems, "--allow-missing-features", "--out", At("bare.csv")]);
        Assert.Contains("warning (--allow-missing-features): The model was trained with item features", allowed);
        Assert.True(File.ReadAllLines(At("bare.csv")).Length > 1);
    }

    [Fact]
    public async Task Train_ShopExportWithSeed004Columns_UsesMetadataFeatures()
    {
        var events = new StringBuilder("distinct_id,buyer_id,product_id,event_name,created_at\n");
        var products = new StringBuilder("id,title,description,metadata\n");
        string[] titles = ["خاتم ذهب", "سلسال ذهب", "Phone case", "USB cable", "Frying pan", "Chef knife"];
        for (int p = 0; p < titles.Length; p++)
            products.Append($"p{p},{titles[p]},\"{titles[p]} — وصف\",\"{{\"\"brand\"\":\"\"b{p / 2}\"\",\"\"catalog_id\"\":{p / 2}}}\"\n");
        var start = new DateTime(2024, 3, 1, 0, 0, 0, DateTimeKind.Utc);
        for (int u = 0; u < 60; u++)
        {
            int shelf = u % 3;
            for (int k = 0; k < 4; k++)
            {
                string product = $"p{shelf * 2 + k % 2}", time = start.AddMinutes(u * 10 + k).ToString("yyyy-MM-dd HH:mm:ss");
                string name = k < 2 ? "View" : k == 2 ? "AddToCart" : "Purchase";
                events.Append($"anon-{u},{(k == 3 ? $"buyer-{u}" : "")},{product},{name},{time}\n");
            }
        }
        File.WriteAllText(At("events.csv"), events.ToString());
        File.WriteAllText(At("products.csv"), products.ToString());

        string output = await Succeeds("train on a shop export", "train", "--interactions", At("events.csv"), "--items", At("products.csv"),
            "--epochs", "2", "--dim", "16", "--batch-size", "32", "--no-validation", "--threads", "1", "--out", At("shop.bundle"));
        Assert.Contains("4 item and 0 user features", output); // title, description, brand, catalog_id

        var (code, message) = await Reco("recommend without products", "recommend", "--model", At("shop.bundle"), "--interactions", At("events.csv"));
        Assert.Equal(2, code);
        Assert.Contains("title (text), description (text), brand (categorical), catalog_id (categorical)", message);
    }

    public void Dispose()
    {
        try { Directory.Delete(_folder, recursive: true); }
        catch (IOException) { }
    }
}
