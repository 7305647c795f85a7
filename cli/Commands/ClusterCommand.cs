using System.CommandLine;
using System.Globalization;
using System.Runtime.InteropServices;
using OrleansReco.LocalCluster;

namespace OrleansReco.Cli.Commands;

/// <summary>
/// <c>reco cluster up</c>: the real multi-process path on one machine, on loopback: a redis-server with its append-only
/// file in the data folder, the silos as processes (Redis clustering and storage), and the gateway in Client mode.
/// Prints the addresses, then runs until SIGINT (Ctrl-C) or SIGTERM and stops every process it started.
/// </summary>
internal static class ClusterCommand
{
    /// <summary>The longest <c>--train-every</c>: Orleans reminders take periods below 49 days.</summary>
    private static readonly TimeSpan MaxInterval = TimeSpan.FromDays(45);

    /// <summary>How long each process gets to stop after SIGTERM before it is killed.</summary>
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(60);

    public static Command Create()
    {
        var silos = new Option<int>("--silos") { Description = "Serving silos (role serve).", DefaultValueFactory = _ => 2 };
        var trainer = new Option<bool>("--trainer") { Description = "Adds a training silo (role train): it trains on the events received on its schedule and on POST /v1/model/retrain." };
        var trainEvery = new Option<string?>("--train-every")
        {
            Description = "With --trainer: time between scheduled training runs, e.g. 30m, 2h, 00:45:00; 0: only on POST /v1/model/retrain. "
                + "Default: Reco:Trainer:Interval (environment Reco__Trainer__Interval), else 1 h.",
        };
        var port = new Option<int>("--port") { Description = "The gateway's port on 127.0.0.1.", DefaultValueFactory = _ => 8080 };
        var data = new Option<DirectoryInfo>("--data")
        {
            Description = "Folder for the Redis data (AOF) and the processes' logs; the same folder finds the same users and items again.",
            DefaultValueFactory = _ => new DirectoryInfo("reco-cluster"),
        };
        var model = new Option<FileInfo?>("--model") { Description = "A model bundle (reco train) for the silos to load; without one, train it in the cluster (--trainer)." };
        var up = new Command("up", "Start redis-server, the silos and the gateway on loopback; stop them all on Ctrl-C or SIGTERM.") { silos, trainer, trainEvery, port, data, model };
        up.SetAction(parse => DataArguments.Guard("cluster up", () =>
        {
            int count = parse.GetValue(silos);
            if (count is < 1 or > 16) throw new ArgumentException($"--silos must be from 1 to 16, not {count}.");
            int gatewayPort = parse.GetValue(port);
            if (gatewayPort is < 1 or > 65535) throw new ArgumentException($"--port must be from 1 to 65535, not {gatewayPort}.");
            var bundle = parse.GetValue(model);
            if (bundle is not null && !bundle.Exists) throw new ArgumentException($"--model {bundle.FullName}: no such file.");
            bool train = parse.GetValue(trainer);
            TimeSpan? every = parse.GetValue(trainEvery) is { } text ? ParseInterval(text) : null;
            if (every is not null && !train) throw new ArgumentException("--train-every needs --trainer (the silo that trains).");
            return RunAsync(new ClusterOptions
            {
                ServingSilos = count,
                TrainSilo = train,
                // Unset: the silos follow Reco:Trainer:Interval (environment or the trainer's default).
                TrainInterval = every,
                FastFailureDetection = false,
                Fsync = "always",
                Items = 0,
                HistoryLength = 200,
                WorkDirectory = parse.GetValue(data)!.FullName,
                KeepWorkDirectory = true,
                GatewayPort = gatewayPort,
                ModelPath = bundle?.FullName,
                NoModel = bundle is null,
                ApiKey = Environment.GetEnvironmentVariable("RECO_API_KEY") is { Length: >= 16 } key ? key : null,
                ServiceId = "reco-local",
                Log = line => Console.WriteLine("  " + line),
            }).GetAwaiter().GetResult();
        }));
        return new Command("cluster", "A local multi-process cluster.") { up };
    }

    private static async Task<int> RunAsync(ClusterOptions options)
    {
        var signal = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => { c.Cancel = true; signal.TrySetResult("SIGINT"); });
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; signal.TrySetResult("SIGTERM"); });
        Console.WriteLine($"Starting a local cluster in {options.WorkDirectory}:");
        using var starting = new CancellationTokenSource();
        _ = signal.Task.ContinueWith(_ => starting.Cancel(), TaskScheduler.Default);
        RecoCluster cluster;
        try
        {
            cluster = await RecoCluster.StartAsync(options, starting.Token);
        }
        catch (Exception e) when (e is TimeoutException or InvalidOperationException or OperationCanceledException or IOException)
        {
            Console.Error.WriteLine($"reco cluster up: {e.Message}");
            return signal.Task.IsCompleted ? 0 : 1;
        }
        await using (cluster)
        {
            PrintAddresses(cluster, options);
            var exited = cluster.Silos.Select(s => s.Process!.Exited).Append(cluster.Gateway.Exited).ToArray();
            var first = await Task.WhenAny(signal.Task, Task.WhenAny(exited));
            int code = 0;
            if (first != signal.Task)
            {
                var dead = cluster.Silos.Where(s => !s.Running).Select(s => s.Name).Concat(cluster.Gateway.HasExited ? ["gateway"] : []);
                Console.Error.WriteLine($"{string.Join(", ", dead)} exited on its own (logs in {options.WorkDirectory}); stopping the others.");
                code = 1;
            }
            else Console.WriteLine($"{signal.Task.Result}: stopping the cluster.");
            foreach (var (name, pid, exitCode) in await cluster.StopAsync(StopTimeout))
                Console.WriteLine($"  stopped {name} (pid {pid}, exit code {exitCode})");
            Console.WriteLine("Stopped.");
            return code;
        }
    }

    /// <summary>
    /// A <c>--train-every</c> value: a number with unit <c>s</c>, <c>m</c>, <c>h</c> or <c>d</c>, a .NET time span
    /// (<c>hh:mm:ss</c>, <c>d.hh:mm:ss</c>), or <c>0</c> (no schedule); from 1 s on, as <c>Reco:Trainer:Interval</c> allows.
    /// </summary>
    private static TimeSpan ParseInterval(string text)
    {
        string t = text.Trim();
        if (t.Length == 0) throw new ArgumentException("--train-every is empty; write e.g. 30m, 2h, 00:45:00, or 0 for no schedule.");
        TimeSpan? value = t == "0" ? TimeSpan.Zero : null;
        double seconds = char.ToLowerInvariant(t[^1]) switch { 's' => 1, 'm' => 60, 'h' => 3600, 'd' => 86400, _ => 0 };
        if (value is null && seconds > 0 && t.Length > 1 && double.TryParse(t[..^1], NumberStyles.Float, CultureInfo.InvariantCulture, out double n)
            && double.IsFinite(n) && n >= 0 && n * seconds < 1e12)
            value = TimeSpan.FromSeconds(n * seconds);
        if (value is null && t.Contains(':') && TimeSpan.TryParse(t, CultureInfo.InvariantCulture, out var span)) value = span;
        if (value is not { } v) throw new ArgumentException($"--train-every '{text}' is not a duration; write e.g. 30m, 2h, 00:45:00, or 0 for no schedule.");
        if (v < TimeSpan.Zero || (v > TimeSpan.Zero && v < TimeSpan.FromSeconds(1)) || v > MaxInterval)
            throw new ArgumentException($"--train-every {text} is {v}; use 0 (no schedule) or at least 1 s and at most {MaxInterval.TotalDays:0} days.");
        return v;
    }

    private static string TrainingSchedule(TimeSpan? every) => every switch
    {
        { } e when e == TimeSpan.Zero => "no schedule (--train-every 0)",
        { } e => $"every {e:c} (--train-every)",
        null when Environment.GetEnvironmentVariable("Reco__Trainer__Interval") is { Length: > 0 } configured => $"every {configured} (Reco__Trainer__Interval)",
        null => "every 1 h (the default of Reco:Trainer:Interval)",
    };

    private static void PrintAddresses(RecoCluster cluster, ClusterOptions options)
    {
        string url = cluster.GatewayUrl.ToString().TrimEnd('/');
        Console.WriteLine();
        Console.WriteLine($"Cluster up: redis-server pid {cluster.Redis.Pid} (port {cluster.Redis.Port}), "
            + string.Join(", ", cluster.Silos.Select(s => $"{s.Name} pid {s.Process!.Pid}")) + $", gateway pid {cluster.Gateway.Pid}.");
        Console.WriteLine($"  web UI      {url}/#key={cluster.ApiKey}");
        Console.WriteLine($"  API docs    {url}/docs");
        Console.WriteLine($"  dashboard   {url}/dashboard");
        Console.WriteLine($"  metrics     {url}/metrics");
        Console.WriteLine($"  admin key   {cluster.ApiKey}{(options.ApiKey is null ? " (set RECO_API_KEY to choose one)" : " (RECO_API_KEY)")}");
        if (options.TrainSilo)
            Console.WriteLine($"  training    {TrainingSchedule(options.TrainInterval)}, and on POST /v1/model/retrain (admin key)");
        if (options.NoModel)
            Console.WriteLine("  no model is loaded: start with --model FILE (reco train writes one), or with --trainer send events and POST /v1/model/retrain.");
        Console.WriteLine($"  logs        {options.WorkDirectory}");
        Console.WriteLine("Ctrl-C or SIGTERM stops every process.");
    }
}
