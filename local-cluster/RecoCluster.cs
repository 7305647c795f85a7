using System.Globalization;
using System.Security.Cryptography;

namespace OrleansReco.LocalCluster;

/// <summary>
/// A real multi-process OrleansReco cluster on this machine: <c>redis-server</c> (AOF, fsync per write), silo
/// processes with the Redis providers (by default serve, serve and train) and the HTTP gateway in Client mode, all
/// started from the build output and torn down by PID on dispose (also when a test fails). A model bundle is
/// loaded at start (<c>Reco:Model:Path</c>) and a catalogue is upserted through the gateway.
/// </summary>
public sealed class RecoCluster : IAsyncDisposable
{
    public static readonly TimeSpan SiloStartTimeout = TimeSpan.FromSeconds(120);
    private const string FakeTime = "/usr/bin/faketime";
    private readonly ClusterOptions _options;
    private readonly List<SiloHandle> _silos = [];
    private int _siloCount;

    private RecoCluster(ClusterOptions options, string workDirectory)
    {
        _options = options;
        WorkDirectory = workDirectory;
        ApiKey = options.ApiKey ?? "rel-" + Convert.ToHexString(RandomNumberGenerator.GetBytes(16));
        // The deployed ACL rules name the manifests' ServiceId in their key patterns.
        ServiceId = options.RedisUsers ? LocalCluster.RedisUsers.ServiceId : options.ServiceId ?? ClusterId;
    }

    public string ClusterId { get; } = "rel-" + Guid.NewGuid().ToString("N")[..8];
    public string ServiceId { get; }

    /// <summary>The cluster CA and member certificate when <see cref="ClusterOptions.Tls"/> is on.</summary>
    public ClusterCertificateFiles? Certificates { get; private set; }

    public string WorkDirectory { get; }
    public string ApiKey { get; }
    public RedisProcess Redis { get; private set; } = null!;
    public ChildProcess Gateway { get; private set; } = null!;
    public Uri GatewayUrl { get; private set; } = null!;

    /// <summary>The gateway's management port (<c>Reco:Gateway:ManagementPort</c>: <c>/metrics</c>).</summary>
    public Uri GatewayManagementUrl { get; private set; } = null!;
    public string? ModelPath => _options.NoModel ? null : _options.ModelPath ?? Path.Combine(WorkDirectory, "model-v1.bundle");

    /// <summary>The initial model version (<see cref="SmallModel"/>, seed 1).</summary>
    public const string ModelVersion = "rel-v1";

    public IReadOnlyList<SiloHandle> Silos
    {
        get { lock (_silos) return _silos.ToArray(); }
    }

    public IEnumerable<SiloHandle> ServingSilos => Silos.Where(s => s.Role == "serve" && s.Running);

    public static async Task<RecoCluster> StartAsync(ClusterOptions options, CancellationToken cancellation = default)
    {
        string work = options.WorkDirectory is { } chosen ? Path.GetFullPath(chosen) : Path.Combine(Path.GetTempPath(), "reco-cluster-" + Guid.NewGuid().ToString("N")[..10]);
        Directory.CreateDirectory(work);
        var cluster = new RecoCluster(options, work);
        try
        {
            await cluster.StartCoreAsync(cancellation);
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    private async Task StartCoreAsync(CancellationToken cancellation)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        if (_options.ModelPath is null && !_options.NoModel) SmallModel.Create(ModelVersion, seed: 1).Write(ModelPath!);
        if (_options.Tls) Certificates = ClusterCertificateFiles.Create(Path.Combine(WorkDirectory, "tls"));
        Redis = await RedisProcess.StartAsync(Path.Combine(WorkDirectory, "redis"), _options.Fsync, _options.RedisUsers ? new RedisUsers() : null);
        Log($"redis-server pid {Redis.Pid} on port {Redis.Port} (appendonly yes, appendfsync {_options.Fsync}{(_options.RedisUsers ? ", ACL users" : "")}){(_options.Tls ? "; Orleans TLS on" : "")}");
        var roles = Enumerable.Repeat("serve", _options.ServingSilos).Concat(_options.TrainSilo ? ["train"] : Array.Empty<string>()).ToArray();
        // The first silo creates the membership table; the others join it together.
        await AddSiloAsync(roles[0]);
        await Task.WhenAll(roles.Skip(1).Select(role => AddSiloAsync(role)));
        await StartGatewayAsync(new Uri($"http://127.0.0.1:{(_options.GatewayPort > 0 ? _options.GatewayPort : Ports.Free())}"), cancellation);
        // Each chunk rewrites every shard's stored state: small chunks and a long timeout keep a large catalogue loading on a busy machine.
        using var client = CreateClient(TimeSpan.FromSeconds(120));
        var categories = SmallModel.Categories;
        foreach (var chunk in Enumerable.Range(0, _options.Items).Chunk(1000))
            await client.UpsertItemsAsync(chunk.Select(i => (ItemId(i), categories[i % categories.Length], 5.0 + i % 17)), cancellation);
        Log($"cluster ready in {clock.Elapsed.TotalSeconds:F1} s: {Silos.Count} silos, gateway {GatewayUrl}, {_options.Items} items");
    }

    public static string ItemId(int i) => "item-" + i.ToString(CultureInfo.InvariantCulture);

    /// <summary>A client of the gateway with this cluster's admin key.</summary>
    public GatewayClient CreateClient(TimeSpan timeout) => new(GatewayUrl, ApiKey, timeout);

    /// <summary>
    /// Starts a new silo of <paramref name="role"/> (<c>serve</c> or <c>train</c>), under <c>faketime</c> with
    /// <paramref name="clockOffset"/> when given, and waits until it reports started.
    /// </summary>
    public async Task<SiloHandle> AddSiloAsync(string role, string? clockOffset = null)
    {
        var silo = new SiloHandle($"silo-{Interlocked.Increment(ref _siloCount)}-{role}", role, Ports.Free(), Ports.Free(), Ports.Free(), clockOffset);
        lock (_silos) _silos.Add(silo);
        await LaunchSiloAsync(silo);
        return silo;
    }

    /// <summary>Starts a stopped or killed silo again with the same name and ports.</summary>
    public async Task RestartSiloAsync(SiloHandle silo)
    {
        if (silo.Running) throw new InvalidOperationException($"{silo.Name} is still running (pid {silo.Process!.Pid}).");
        await silo.Process!.DisposeAsync();
        await LaunchSiloAsync(silo);
    }

    /// <summary>kill -9 of a silo.</summary>
    public async Task KillSiloAsync(SiloHandle silo)
    {
        Log($"kill -9 {silo.Name} (pid {silo.Process!.Pid})");
        await silo.Process.KillAsync();
    }

    /// <summary>SIGSTOP of a silo: it stops answering (probes and calls) but keeps its connections open.</summary>
    public void PauseSilo(SiloHandle silo)
    {
        Log($"SIGSTOP {silo.Name} (pid {silo.Process!.Pid})");
        silo.Process.Pause();
    }

    /// <summary>SIGCONT of a silo paused with <see cref="PauseSilo"/>.</summary>
    public void ResumeSilo(SiloHandle silo)
    {
        Log($"SIGCONT {silo.Name} (pid {silo.Process!.Pid})");
        silo.Process.Resume();
    }

    /// <summary>
    /// Waits until some running silo prints a line containing <paramref name="text"/> from now on and returns that silo; fails after <paramref name="timeout"/> or when every silo has exited without printing it.
    /// </summary>
    public async Task<SiloHandle> WaitForSiloLineAsync(string text, TimeSpan timeout, string phase)
    {
        var waits = Silos.Where(s => s.Running).ToDictionary(s => (Task)s.Process!.WaitForLineAsync(text, timeout, phase, newOnly: true), s => s);
        Exception? last = null;
        while (waits.Count > 0)
        {
            var done = await Task.WhenAny(waits.Keys);
            if (done.IsCompletedSuccessfully) return waits[done];
            last = done.Exception?.GetBaseException();
            waits.Remove(done);
        }
        throw new TimeoutException($"{phase}: no silo printed '{text}' within {timeout.TotalSeconds:F0} s ({last?.Message.Split('\n')[0]}).");
    }

    /// <summary>kill -9 of the gateway process (requests in flight get no answer).</summary>
    public async Task KillGatewayAsync()
    {
        Log($"kill -9 gateway (pid {Gateway.Pid})");
        await Gateway.KillAsync();
    }

    /// <summary>Starts the gateway again after <see cref="KillGatewayAsync"/>, on the same URL, and waits until it is ready.</summary>
    public async Task RestartGatewayAsync(CancellationToken cancellation = default)
    {
        if (!Gateway.HasExited) throw new InvalidOperationException($"the gateway is still running (pid {Gateway.Pid}).");
        await Gateway.DisposeAsync();
        await StartGatewayAsync(GatewayUrl, cancellation);
    }

    /// <summary>SIGTERM of a silo and wait until it has left (graceful: its grains are handed off).</summary>
    public async Task<int> StopSiloAsync(SiloHandle silo)
    {
        Log($"SIGTERM {silo.Name} (pid {silo.Process!.Pid})");
        return await silo.Process.TerminateAsync(TimeSpan.FromSeconds(90));
    }

    private async Task LaunchSiloAsync(SiloHandle silo)
    {
        var env = CommonEnvironment();
        env["Reco__Cluster__Role"] = silo.Role;
        env["Reco__Cluster__SiloPort"] = silo.SiloPort.ToString(CultureInfo.InvariantCulture);
        env["Reco__Cluster__GatewayPort"] = silo.GatewayPort.ToString(CultureInfo.InvariantCulture);
        env["Reco__Silo__HttpPort"] = silo.HttpPort.ToString(CultureInfo.InvariantCulture);
        env["Reco__Silo__HttpHost"] = "127.0.0.1";
        env["Reco__Cluster__ShutdownTimeout"] = "00:00:30";
        if (ModelPath is not null) env["Reco__Model__Path"] = ModelPath;
        env["Reco__Users__HistoryLength"] = _options.HistoryLength.ToString(CultureInfo.InvariantCulture);
        env["Reco__Users__EventIdWindow"] = Math.Max(1000, _options.HistoryLength).ToString(CultureInfo.InvariantCulture);
        if (_options.TrainInterval is { } every) env["Reco__Trainer__Interval"] = every.ToString("c", CultureInfo.InvariantCulture);
        if (Redis.Users is { } users)
        {
            env["Reco__Cluster__RedisUser"] = RedisUsers.SiloUser;
            env["Reco__Cluster__RedisPassword"] = users.SiloPassword;
        }
        foreach (var (key, value) in _options.SiloEnvironment) env[key] = value;
        if (silo.ClockOffset is not null && !File.Exists(FakeTime))
            throw new InvalidOperationException($"{FakeTime} is missing (needed to start {silo.Name} with a skewed clock); install it with 'apt-get install faketime'.");
        // faketime forks: the process the harness holds is faketime, the silo its child (dispose kills the tree).
        var process = silo.ClockOffset is { } offset
            ? ChildProcess.Start(silo.Name, FakeTime, ["-f", offset, "dotnet", BuildOutput.SiloDll], env, Path.Combine(WorkDirectory, silo.Name + ".log"))
            : ChildProcess.Start(silo.Name, "dotnet", [BuildOutput.SiloDll], env, Path.Combine(WorkDirectory, silo.Name + ".log"));
        silo.Process = process;
        await process.WaitForLineAsync("Application started", SiloStartTimeout, $"starting {silo.Name}");
        Log($"{silo.Name} pid {process.Pid} started (silo port {silo.SiloPort}, gateway port {silo.GatewayPort}{(silo.ClockOffset is null ? "" : $", clock {silo.ClockOffset}")})");
    }

    private async Task StartGatewayAsync(Uri url, CancellationToken cancellation)
    {
        GatewayUrl = url;
        // A restarted gateway keeps its management port, as it keeps its API port.
        int managementPort = GatewayManagementUrl is null ? Ports.Free() : GatewayManagementUrl.Port;
        GatewayManagementUrl = new Uri($"http://127.0.0.1:{managementPort}");
        var env = CommonEnvironment();
        env["Reco__Gateway__Mode"] = "Client";
        env["Reco__Gateway__PermitsPerSecond"] = "100000";
        env["RECO_API_KEY"] = ApiKey;
        env["ASPNETCORE_URLS"] = GatewayUrl.ToString();
        env["Reco__Gateway__ManagementPort"] = managementPort.ToString(CultureInfo.InvariantCulture);
        env["Reco__Gateway__ManagementHost"] = "127.0.0.1";
        if (Redis.Users is { } users)
        {
            env["Reco__Cluster__RedisUser"] = RedisUsers.GatewayUser;
            env["Reco__Cluster__RedisPassword"] = users.GatewayPassword;
        }
        Gateway = ChildProcess.Start("gateway", "dotnet", [BuildOutput.GatewayDll], env, Path.Combine(WorkDirectory, "gateway.log"));
        await Gateway.WaitForLineAsync("Application started", SiloStartTimeout, "starting the gateway");
        if (ModelPath is null)
        {
            Log($"gateway pid {Gateway.Pid} listening at {GatewayUrl} (no model loaded yet)");
            return;
        }
        // Ready = the gateway's client reaches the cluster and a model is loaded (GET /readyz 200).
        using var http = new HttpClient { BaseAddress = GatewayUrl, Timeout = TimeSpan.FromSeconds(10) };
        var deadline = DateTime.UtcNow + SiloStartTimeout;
        string last = "";
        while (true)
        {
            try
            {
                using var response = await http.GetAsync("/readyz", cancellation);
                if (response.IsSuccessStatusCode) break;
                last = $"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(cancellation)}";
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !cancellation.IsCancellationRequested)
            {
                last = e.Message;
            }
            if (Gateway.HasExited || DateTime.UtcNow > deadline)
                throw new TimeoutException($"starting the gateway: /readyz was not 200 within {SiloStartTimeout.TotalSeconds:F0} s (last: {last}). Gateway output:\n{Gateway.Tail}");
            await Task.Delay(250, cancellation);
        }
        Log($"gateway pid {Gateway.Pid} ready at {GatewayUrl}");
    }

    private Dictionary<string, string> CommonEnvironment()
    {
        var env = new Dictionary<string, string>
        {
            ["DOTNET_ENVIRONMENT"] = "Production",
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
            ["Logging__LogLevel__Default"] = "Warning",
            ["Logging__LogLevel__Microsoft.Hosting.Lifetime"] = "Information",
            ["Logging__LogLevel__Orleans.Runtime.MembershipService"] = "Information",
            ["Reco__Cluster__Provider"] = "Redis",
            ["Reco__Cluster__RedisConnectionString"] = Redis.ConnectionString,
            ["Reco__Cluster__ClusterId"] = ClusterId,
            ["Reco__Cluster__ServiceId"] = ServiceId,
        };
        // Workstation GC by default: several processes share a small machine; server GC would start a heap per core in each.
        if (_options.WorkstationGc) env["DOTNET_gcServer"] = "0";
        if (Certificates is not null)
            foreach (var (key, value) in Certificates.Environment()) env[key] = value;
        if (_options.FastFailureDetection)
        {
            env["Reco__Cluster__ProbeTimeout"] = "00:00:02";
            env["Reco__Cluster__NumMissedProbesLimit"] = "2";
            env["Reco__Cluster__ResponseTimeout"] = "00:00:10";
        }
        return env;
    }

    private void Log(string line) => _options.Log?.Invoke(line);

    /// <summary>
    /// Stops every process gracefully: SIGTERM to the gateway, then to the silos (together; each hands off its
    /// grains), then to redis-server (which flushes its AOF); returns each name with its exit code.
    /// </summary>
    public async Task<IReadOnlyList<(string Name, int Pid, int ExitCode)>> StopAsync(TimeSpan timeout)
    {
        var stopped = new List<(string, int, int)>();
        if (Gateway is { HasExited: false }) stopped.Add(("gateway", Gateway.Pid, await Gateway.TerminateAsync(timeout)));
        var silos = Silos.Where(s => s.Running).Select(s => (s.Name, s.Process!)).ToArray();
        var codes = await Task.WhenAll(silos.Select(s => s.Item2.TerminateAsync(timeout)));
        for (int i = 0; i < silos.Length; i++) stopped.Add((silos[i].Name, silos[i].Item2.Pid, codes[i]));
        if (Redis is not null)
        {
            await Redis.StopAsync();
            stopped.Add(("redis-server", Redis.Pid, 0));
        }
        return stopped;
    }

    public async ValueTask DisposeAsync()
    {
        var children = new List<ChildProcess>();
        if (Gateway is not null) children.Add(Gateway);
        children.AddRange(Silos.Select(s => s.Process).OfType<ChildProcess>());
        foreach (var child in children) await child.DisposeAsync();
        if (Redis is not null) await Redis.DisposeAsync();
        if (!_options.KeepWorkDirectory)
        {
            try
            {
                Directory.Delete(WorkDirectory, recursive: true);
            }
            catch (IOException)
            {
                // A file still held open; the folder is under the temp directory.
            }
        }
    }

    /// <summary>The last output of every process (for failure messages).</summary>
    public string Diagnostics()
    {
        var parts = new List<string>();
        foreach (var s in Silos) if (s.Process is { } p) parts.Add($"--- {s.Name} (pid {p.Pid}{(p.HasExited ? ", exited" : "")})\n{Last(p.Tail)}");
        if (Gateway is not null) parts.Add($"--- gateway (pid {Gateway.Pid})\n{Last(Gateway.Tail)}");
        parts.Add($"work folder: {WorkDirectory}");
        return string.Join('\n', parts);

        static string Last(string text) => string.Join('\n', text.Split('\n').TakeLast(25));
    }
}
