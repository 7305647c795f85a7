using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace OrleansReco.Cluster.Tests;

/// <summary>
/// A real silo process (the built <c>OrleansReco.Silo</c>), started with environment configuration and torn down
/// by PID: SIGTERM for a graceful stop, SIGKILL on dispose if it is still running.
/// </summary>
public sealed class SiloProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly TaskCompletionSource _started = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly List<string> _output = [];

    private SiloProcess(Process process)
    {
        _process = process;
    }

    public int Pid => _process.Id;
    public int SiloPort { get; private init; }
    public int GatewayPort { get; private init; }

    /// <summary>Everything the process printed so far (for failure messages).</summary>
    public string Output
    {
        get { lock (_output) return string.Join('\n', _output); }
    }

    /// <summary>Starts a silo with the given extra environment; returns once the host reports it has started.</summary>
    public static async Task<SiloProcess> StartAsync(IDictionary<string, string>? environment = null, TimeSpan? timeout = null)
    {
        int siloPort = FreeTcpPort(), gatewayPort = FreeTcpPort();
        var info = new ProcessStartInfo("dotnet", [SiloAssemblyPath()])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.Environment["Reco__Cluster__SiloPort"] = siloPort.ToString();
        info.Environment["Reco__Cluster__GatewayPort"] = gatewayPort.ToString();
        info.Environment["DOTNET_ENVIRONMENT"] = "Development";
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
            info.Environment[key] = value;

        var process = Process.Start(info) ?? throw new InvalidOperationException("Could not start the silo process.");
        var silo = new SiloProcess(process) { SiloPort = siloPort, GatewayPort = gatewayPort };
        process.OutputDataReceived += (_, e) => silo.OnLine(e.Data);
        process.ErrorDataReceived += (_, e) => silo.OnLine(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _ = process.WaitForExitAsync().ContinueWith(_ => silo._started.TrySetException(
            new InvalidOperationException($"Silo process exited with code {process.ExitCode} before it started:\n{silo.Output}")), TaskScheduler.Default);

        var limit = timeout ?? TimeSpan.FromSeconds(60);
        try
        {
            await silo._started.Task.WaitAsync(limit);
        }
        catch (TimeoutException)
        {
            await silo.DisposeAsync();
            throw new TimeoutException($"Silo (pid {process.Id}, gateway port {gatewayPort}) did not report 'Application started' within {limit}:\n{silo.Output}");
        }
        return silo;
    }

    /// <summary>Sends SIGTERM and waits for the process to exit; returns its exit code.</summary>
    public async Task<int> StopGracefullyAsync(TimeSpan timeout)
    {
        if (kill(_process.Id, SigTerm) != 0)
            throw new InvalidOperationException($"kill(SIGTERM) failed for pid {_process.Id}: errno {Marshal.GetLastPInvokeError()}");
        try
        {
            await _process.WaitForExitAsync().WaitAsync(timeout);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"Silo pid {_process.Id} did not exit within {timeout} of SIGTERM:\n{Output}");
        }
        return _process.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
    }

    private void OnLine(string? line)
    {
        if (line is null) return;
        lock (_output) _output.Add(line);
        if (line.Contains("Application started", StringComparison.Ordinal))
            _started.TrySetResult();
    }

    private static string SiloAssemblyPath()
    {
        // Tests run from tests/<project>/bin/<Configuration>/<tfm>/; the silo's output sits at silo/bin/<Configuration>/<tfm>/.
        var testOutput = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        string tfm = testOutput.Name, configuration = testOutput.Parent!.Name;
        var root = testOutput;
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "OrleansReco.sln")))
            root = root.Parent;
        if (root is null)
            throw new InvalidOperationException($"OrleansReco.sln not found above {AppContext.BaseDirectory}.");
        var path = Path.Combine(root.FullName, "silo", "bin", configuration, tfm, "OrleansReco.Silo.dll");
        return File.Exists(path) ? path : throw new FileNotFoundException($"Silo not built at {path}; build the solution first.", path);
    }

    /// <summary>A TCP port on loopback that was free a moment ago.</summary>
    public static int FreeTcpPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private const int SigTerm = 15;

    [DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int sig);
}
