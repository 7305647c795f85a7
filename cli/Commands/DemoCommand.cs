using System.CommandLine;
using System.Diagnostics;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.DependencyInjection;
using OrleansReco.Core.Data;
using OrleansReco.Core.Data.Readers;
using OrleansReco.Core.Data.Synthetic;
using OrleansReco.Core.Model;
using OrleansReco.GrainInterfaces;
using OrleansReco.Embedded;
using OrleansReco.Training.Torch;
using OrleansReco.Trainer;
using OrleansReco.Training.TwoTower;
using OrleansReco.LocalCluster;

namespace OrleansReco.Cli.Commands;

/// <summary>
/// <c>reco demo</c>, the embedded default: data (synthetic, or your files), a model trained on CPU, then a silo and
/// the HTTP gateway in this one process with the Memory providers; the catalog is loaded and the events replayed
/// through the grains, and the command prints the web UI's address and ready-to-paste curl commands. It serves
/// until Ctrl-C or SIGTERM and then shuts down cleanly.
/// </summary>
internal static class DemoCommand
{
    public static Command Create()
    {
        var port = new Option<int>("--port") { Description = "HTTP port of the gateway and web UI (0: any free port).", DefaultValueFactory = _ => 8080 };
        var bind = new Option<string>("--bind") { Description = "Address to listen on (0.0.0.0: every interface).", DefaultValueFactory = _ => "127.0.0.1" };
        var dataDir = new Option<DirectoryInfo?>("--data") { Description = "Your data instead of synthetic: a folder written by `reco generate` (interactions.csv|parquet, users, items, schema.json) or a MovieLens folder (100K, 1M, latest)." };
        var users = new Option<int>("--users") { Description = "Synthetic users.", DefaultValueFactory = _ => 2_000 };
        var items = new Option<int?>("--items") { Description = "Synthetic items (default: users / 4)." };
        var events = new Option<int?>("--events") { Description = "Synthetic events (default: users × 30)." };
        var epochs = new Option<int>("--epochs") { Description = "Most training epochs.", DefaultValueFactory = _ => 6 };
        var seed = new Option<int>("--seed") { Description = "Random seed.", DefaultValueFactory = _ => 42 };
        var noBrowser = new Option<bool>("--no-browser") { Description = "Do not try to open the web UI in a browser." };
        var threads = new Option<int?>("--threads") { Description = "libtorch threads for training (default: every core for the first model, half of them for retraining beside serving)." };
        var command = new Command("demo", "Train on synthetic (or your) data, then serve it: silo + HTTP gateway + web UI in one process, until Ctrl-C.")
        {
            port, bind, dataDir, users, items, events, epochs, seed, noBrowser, threads,
        };
        command.SetAction(async (parse, ct) =>
        {
            var settings = new DemoSettings(parse.GetValue(port), parse.GetValue(bind)!, parse.GetValue(dataDir), parse.GetValue(users),
                parse.GetValue(items), parse.GetValue(events), parse.GetValue(epochs), parse.GetValue(seed), parse.GetValue(noBrowser), parse.GetValue(threads));
            try
            {
                settings.Check();
                return await RunAsync(settings, ct);
            }
            catch (Exception e) when (e is DataFormatException or ArgumentException or InvalidDataException or IOException)
            {
                Console.Error.WriteLine($"reco demo: {e.Message}");
                return 2;
            }
        });
        return command;
    }

    private sealed record DemoSettings(int Port, string Bind, DirectoryInfo? Data, int Users, int? Items, int? Events, int Epochs, int Seed, bool NoBrowser, int? Threads)
    {
        public void Check()
        {
            if (Port is < 0 or > 65535) throw new ArgumentException($"--port must be a TCP port, not {Port}.");
            if (Users < 100) throw new ArgumentException($"--users must be at least 100, not {Users}.");
            if (Items is < 10) throw new ArgumentException($"--items must be at least 10, not {Items}.");
            if (Events is < 1000) throw new ArgumentException($"--events must be at least 1000, not {Events}.");
            if (Epochs <= 0) throw new ArgumentException($"--epochs must be positive, not {Epochs}.");
            if (Threads <= 0) throw new ArgumentException($"--threads must be positive, not {Threads}.");
            if (Data is { Exists: false }) throw new ArgumentException($"--data: folder '{Data.FullName}' does not exist.");
        }
    }

    private static async Task<int> RunAsync(DemoSettings settings, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        TorchThreads.Configure(TorchThreadBudget.For(TrainingHost.CommandLine, Environment.ProcessorCount, settings.Threads ?? 0));
        Console.WriteLine($"reco demo — {TorchDevices.Describe()}");
        var data = LoadData(settings);

        Console.WriteLine($"2. Training the two-tower model (up to {settings.Epochs} epochs, CPU)...");
        string work = Directory.CreateTempSubdirectory("reco-demo-").FullName;
        string bundlePath = Path.Combine(work, "model.bundle");
        var bundle = Train(data, settings);
        bundle.Write(bundlePath);
        Console.WriteLine($"   model {bundle.Header.Version}: d={bundle.Header.Dimension}, {bundle.Header.Item.Features.Count} item and {bundle.Header.User.Features.Count} user features.");

        var (key, keySource) = ApiKey();
        Console.WriteLine("3. Starting a silo and the HTTP gateway in this process (Memory providers)...");
        int managementPort = Ports.Free();
        var app = EmbeddedHost.Create([], builder =>
        {
            var config = new Dictionary<string, string?>
            {
                ["Reco:Gateway:Mode"] = "Embedded",
                ["Reco:Model:Path"] = bundlePath,
                ["Reco:Cluster:Provider"] = "Memory",
                ["Reco:Cluster:SiloPort"] = Ports.Free().ToString(),
                ["Reco:Cluster:GatewayPort"] = Ports.Free().ToString(),
                ["Reco:Gateway:ManagementPort"] = managementPort.ToString(),
                ["Reco:Gateway:ManagementHost"] = settings.Bind,
                ["Reco:Trainer:Interval"] = "00:00:00",
                ["Logging:LogLevel:Default"] = "Warning",
                ["Logging:LogLevel:OrleansReco"] = "Information",
                ["Logging:LogLevel:OrleansReco.Grains.Items"] = "Warning",
                ["Reco:Trainer:Model:Epochs"] = settings.Epochs.ToString(),
            };
            if (settings.Threads is { } threads) config["Reco:Trainer:Threads"] = threads.ToString();
            if (keySource == "generated")
            {
                config["Reco:Gateway:ApiKeys:0:Name"] = "demo";
                config["Reco:Gateway:ApiKeys:0:Key"] = key;
                config["Reco:Gateway:ApiKeys:0:Scopes:0"] = "admin";
            }
            builder.Configuration.AddInMemoryCollection(config);
            builder.WebHost.UseUrls($"http://{settings.Bind}:{settings.Port}");
        });
        await app.StartAsync(cancellationToken);
        // With --port 0 the system picked the port: print the address actually bound.
        string url = app.Services.GetRequiredService<Microsoft.AspNetCore.Hosting.Server.IServer>()
            .Features.Get<Microsoft.AspNetCore.Hosting.Server.Features.IServerAddressesFeature>()?.Addresses.FirstOrDefault() ?? BaseUrl(settings);
        url = url.Replace("://0.0.0.0:", "://127.0.0.1:").Replace("://[::]:", "://127.0.0.1:");

        Console.WriteLine("4. Loading the catalog and replaying the events through the grains...");
        var grains = app.Services.GetRequiredService<IGrainFactory>();
        string sampleUser = await LoadAsync(grains, data, cancellationToken);

        PrintWelcome(url, $"{BaseUrl(settings with { Port = managementPort })}/metrics", key, keySource, sampleUser, data, clock.Elapsed);
        if (!settings.NoBrowser) TryOpenBrowser($"{url}/?user={Uri.EscapeDataString(sampleUser)}#key={Uri.EscapeDataString(key ?? "")}");
        await app.WaitForShutdownAsync(CancellationToken.None);
        Console.WriteLine("Stopped.");
        try { Directory.Delete(work, recursive: true); } catch (IOException) { }
        return 0;
    }

    /// <summary>
    /// Trains as the cluster's trainer does: on all but the newest tenth of the events, which it holds out to report
    /// Recall@10 — so that a retraining from the web UI is judged against this model on events neither has seen.
    /// With too few events to hold any out, it trains on all of them.
    /// </summary>
    private static ModelBundle Train(InteractionDataset data, DemoSettings settings)
    {
        var model = new TwoTowerOptions { Epochs = settings.Epochs, Seed = settings.Seed };
        var inputs = new TrainingInputs(data.Interactions, data.Items, data.Users, data.Items?.Keys ?? []);
        var outcome = TrainingPipeline.Run(inputs, current: null, new TrainerOptions { Model = model }, overrides: null,
            version: $"twotower-{DateTimeOffset.UtcNow.UtcDateTime:yyyyMMdd'T'HHmmss'Z'}", log: Console.Error);
        if (outcome.Candidate is { } candidate)
        {
            Console.WriteLine($"   Recall@10 on the newest 10% of events (held out): {outcome.Metrics["holdoutRecall@10"]:F4}");
            return candidate;
        }
        Console.WriteLine($"   {outcome.Reason} Training on every event instead.");
        using var trainer = new TwoTowerTrainer(data, model, catalog: null, log: Console.Error);
        trainer.Train();
        return trainer.ExportBundle();
    }

    private static InteractionDataset LoadData(DemoSettings settings)
    {
        if (settings.Data is { } folder)
        {
            Console.WriteLine($"1. Reading {folder.FullName}...");
            var result = File.Exists(Path.Combine(folder.FullName, "interactions.csv")) || File.Exists(Path.Combine(folder.FullName, "interactions.parquet"))
                ? DatasetLoader.Load(new DatasetSources(First(folder, "interactions")!, First(folder, "users"), First(folder, "items"), First(folder, "schema.json")))
                : DatasetLoader.LoadMovieLensDirectory(folder.FullName);
            foreach (var line in result.Report.Describe()) Console.Error.WriteLine("   " + line);
            if (result.Dataset.Interactions.Count == 0) throw new ArgumentException($"--data: no events in {folder.FullName}.");
            return result.Dataset;
        }
        int items = settings.Items ?? Math.Max(10, settings.Users / 4), events = settings.Events ?? settings.Users * 30;
        Console.WriteLine($"1. Generating {settings.Users:N0} users, {items:N0} items and {events:N0} events with planted tastes...");
        var data = SyntheticGenerator.Generate(new SyntheticOptions { Users = settings.Users, Items = items, Events = events, Seed = settings.Seed });
        var summary = SyntheticSummary.Of(data);
        Console.WriteLine($"   {summary.Views:N0} views, {summary.Carts:N0} add_to_cart, {summary.Purchases:N0} purchases.");
        return data;
    }

    private static string? First(DirectoryInfo folder, string name) =>
        new[] { name, name + ".csv", name + ".parquet" }.Select(n => Path.Combine(folder.FullName, n)).FirstOrDefault(File.Exists);

    /// <summary>Upserts every item, sets every profile and records every user's events (the archive fills as it goes); returns a user to show.</summary>
    private static async Task<string> LoadAsync(IGrainFactory grains, InteractionDataset data, CancellationToken cancellationToken)
    {
        var catalog = grains.GetGrain<ICatalogGrain>(ItemSharding.DefaultCatalog);
        var itemIds = data.Items?.Keys ?? data.Interactions.Select(e => e.ItemId).Distinct(StringComparer.Ordinal).ToList();
        var progress = new LoadProgress("items", itemIds.Count);
        foreach (var batch in itemIds.Chunk(1000))
        {
            await catalog.UpsertItemsAsync(batch.Select(id => new CatalogItem(id, data.Items?.Features(id))).ToArray());
            progress.Add(batch.Length);
        }
        progress.Finish();
        var byUser = data.Interactions.GroupBy(e => e.UserId, StringComparer.Ordinal).ToList();
        progress = new LoadProgress("events", data.Interactions.Count);
        await Parallel.ForEachAsync(byUser, new ParallelOptions { MaxDegreeOfParallelism = 32, CancellationToken = cancellationToken }, async (events, _) =>
        {
            var user = grains.User(events.Key);
            if (data.Users?.Features(events.Key) is { } profile) await user.SetProfileAsync(profile);
            var batch = events.OrderBy(e => e.Timestamp).Select(UserEvent.From).ToArray();
            await user.RecordEventsAsync(batch);
            progress.Add(batch.Length);
        });
        progress.Finish();
        return byUser.OrderByDescending(g => g.Count()).First().Key;
    }

    /// <summary>The admin key: <c>RECO_API_KEY</c> when set, keys from configuration when there are any, else a fresh one.</summary>
    private static (string? Key, string Source) ApiKey()
    {
        if (Environment.GetEnvironmentVariable("RECO_API_KEY") is { Length: > 0 } env) return (env, "RECO_API_KEY");
        if (Environment.GetEnvironmentVariables().Keys.Cast<string>().Any(k => k.StartsWith("Reco__Gateway__ApiKeys__", StringComparison.OrdinalIgnoreCase)))
            return (null, "configuration");
        return (Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16)), "generated");
    }

    private static string BaseUrl(DemoSettings s) => $"http://{(s.Bind is "0.0.0.0" or "*" or "+" ? "127.0.0.1" : s.Bind)}:{s.Port}";

    private static void PrintWelcome(string url, string metricsUrl, string? key, string keySource, string user, InteractionDataset data, TimeSpan elapsed)
    {
        string k = key ?? "<one of your configured keys>";
        string item = data.Interactions.First(e => e.UserId == user).ItemId;
        Console.WriteLine();
        Console.WriteLine($"Ready in {elapsed.TotalSeconds:F0} s.");
        Console.WriteLine($"  Web UI:   {url}/?user={Uri.EscapeDataString(user)}#key={(key is null ? "<your key>" : Uri.EscapeDataString(key))}");
        Console.WriteLine($"  API docs: {url}/docs    OpenAPI: {url}/openapi/v1.json    Metrics: {metricsUrl}");
        Console.WriteLine(keySource switch
        {
            "generated" => $"  Admin API key (generated for this run; set RECO_API_KEY to choose one): {key}",
            "RECO_API_KEY" => "  Admin API key: the value of RECO_API_KEY.",
            _ => "  API keys: those in your configuration (Reco__Gateway__ApiKeys__*).",
        });
        Console.WriteLine();
        Console.WriteLine("Try:");
        Console.WriteLine($"  curl -s -H 'X-Api-Key: {k}' '{url}/v1/users/{user}/recommendations?k=5'");
        Console.WriteLine($"  curl -s -H 'X-Api-Key: {k}' -H 'Content-Type: application/json' -X POST {url}/v1/events \\");
        Console.WriteLine($"       -d '{{\"events\":[{{\"user_id\":\"{user}\",\"item_id\":\"{item}\",\"type\":\"purchase\"}}]}}'");
        Console.WriteLine($"  curl -s -H 'X-Api-Key: {k}' -H 'Content-Type: application/json' -X POST {url}/v1/recommendations -d '{{\"k\":5}}'");
        Console.WriteLine($"  curl -s -H 'X-Api-Key: {k}' '{url}/v1/items/{item}/similar?k=5'");
        Console.WriteLine($"  curl -s -H 'X-Api-Key: {k}' -X POST {url}/v1/model/retrain");
        Console.WriteLine($"  curl -s -H 'X-Api-Key: {k}' {url}/v1/model");
        Console.WriteLine();
        Console.WriteLine("Serving until Ctrl-C.");
    }

    private static void TryOpenBrowser(string url)
    {
        foreach (var opener in new[] { "xdg-open", "open" })
        {
            try
            {
                using var process = Process.Start(new ProcessStartInfo(opener, url) { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true });
                if (process is not null) return;
            }
            catch (System.ComponentModel.Win32Exception)
            {
                // Not installed here: try the next one; the URL is printed anyway.
            }
        }
    }

    /// <summary>A one-line progress counter on stderr for the load.</summary>
    private sealed class LoadProgress(string what, int total)
    {
        private readonly Stopwatch _clock = Stopwatch.StartNew();
        private int _done;
        private long _lastPrint;

        public void Add(int count)
        {
            int done = Interlocked.Add(ref _done, count);
            long now = _clock.ElapsedMilliseconds;
            long last = Interlocked.Read(ref _lastPrint);
            if (now - last >= 250 && Interlocked.CompareExchange(ref _lastPrint, now, last) == last)
                Console.Error.Write($"\r   {what}: {done:N0}/{total:N0} ({done / Math.Max(0.001, _clock.Elapsed.TotalSeconds):N0}/s)   ");
        }

        public void Finish() =>
            Console.Error.WriteLine($"\r   {what}: {_done:N0}/{total:N0} in {_clock.Elapsed.TotalSeconds:F1} s ({_done / Math.Max(0.001, _clock.Elapsed.TotalSeconds):N0}/s)   ");
    }
}
