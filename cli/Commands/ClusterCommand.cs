using System.CommandLine;
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
    /// <summary>How long each process gets to stop after SIGTERM before it is killed.</summary>
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(60);

    public static Command Create()
    {
        var silos = new Option<int>("--silos") { Description = "Serving silos (role serve).", DefaultValueFactory = _ => 2 };
        var trainer = new Option<bool>("--trainer") { Description = "Adds a training silo (role train): POST /v1/model/retrain trains on the events received." };
        var port = new Option<int>("--port") { Description = "The gateway's port on 127.0.0.1.", DefaultValueFactory = _ => 8080 };
        var data = new Option<DirectoryInfo>("--data")
        {
            Description = "Folder for the Redis data (AOF) and the processes' logs; the same folder finds the same users and items again.",
            DefaultValueFactory = _ => new DirectoryInfo("reco-cluster"),
        };
        var model = new Option<FileInfo?>("--model") { Description = "A model bundle (reco train) for the silos to load; without one, train it in the cluster (--trainer)." };
        var up = new Command("up", "Start redis-server, the silos and the gateway on loopback; stop them all on Ctrl-C or SIGTERM.") { silos, trainer, port, data, model };
        up.SetAction(parse => DataArguments.Guard("cluster up", () =>
        {
            int count = parse.GetValue(silos);
            if (count is < 1 or > 16) throw new ArgumentException($"--silos must be from 1 to 16, not {count}.");
            int gatewayPort = parse.GetValue(port);
            if (gatewayPort is < 1 or > 65535) throw new ArgumentException($"--port must be from 1 to 65535, not {gatewayPort}.");
            var bundle = parse.GetValue(model);
            if (bundle is not null && !bundle.Exists) throw new ArgumentException($"--model {bundle.FullName}: no such file.");
            return RunAsync(new ClusterOptions
            {
                ServingSilos = count,
                TrainSilo = parse.GetValue(trainer),
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
        if (options.NoModel)
            Console.WriteLine("  no model is loaded: start with --model FILE (reco train writes one), or with --trainer send events and POST /v1/model/retrain.");
        Console.WriteLine($"  logs        {options.WorkDirectory}");
        Console.WriteLine("Ctrl-C or SIGTERM stops every process.");
    }
}
