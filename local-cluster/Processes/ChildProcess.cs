using System.Diagnostics;
using System.Runtime.InteropServices;

namespace OrleansReco.LocalCluster;

/// <summary>
/// A process started by the harness and owned by it: output kept (the last lines in memory, all of it in a log
/// file), waits on a line it prints, and signals by PID — SIGKILL, SIGTERM, SIGSTOP/SIGCONT, and SIGKILL of the whole process tree
/// on dispose if it is still running (so a failed test or bench never leaves a silo behind).
/// </summary>
public sealed class ChildProcess : IAsyncDisposable
{
    private const int KeptLines = 400;
    private readonly Process _process;
    private readonly Queue<string> _lines = new();
    private readonly List<(Func<string, bool> Match, TaskCompletionSource Seen)> _waiters = [];
    private readonly StreamWriter? _log;
    private readonly TaskCompletionSource<int> _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private ChildProcess(string name, Process process, StreamWriter? log)
    {
        Name = name;
        _process = process;
        _log = log;
    }

    /// <summary>A short name for messages, e.g. <c>silo-1</c>.</summary>
    public string Name { get; }

    public int Pid { get; private set; }

    public bool HasExited => _exited.Task.IsCompleted;

    /// <summary>Completes with the exit code when the process ends.</summary>
    public Task<int> Exited => _exited.Task;

    /// <summary>The last lines the process printed (for failure messages).</summary>
    public string Tail
    {
        get { lock (_lines) return string.Join('\n', _lines); }
    }

    /// <summary>Starts <paramref name="fileName"/> with arguments and extra environment; output also goes to <paramref name="logPath"/>.</summary>
    public static ChildProcess Start(string name, string fileName, IEnumerable<string> arguments, IReadOnlyDictionary<string, string> environment, string? logPath)
    {
        var info = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = false,
            UseShellExecute = false,
        };
        foreach (var a in arguments) info.ArgumentList.Add(a);
        foreach (var (key, value) in environment) info.Environment[key] = value;
        var log = logPath is null ? null : new StreamWriter(logPath, append: true) { AutoFlush = true };
        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        var child = new ChildProcess(name, process, log);
        process.OutputDataReceived += (_, e) => child.OnLine(e.Data);
        process.ErrorDataReceived += (_, e) => child.OnLine(e.Data);
        process.Exited += (_, _) => child.OnExited();
        if (!process.Start()) throw new InvalidOperationException($"{name}: could not start {fileName}.");
        child.Pid = process.Id;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return child;
    }

    /// <summary>
    /// Waits for a line containing <paramref name="text"/> (printed after this call or, unless <paramref name="newOnly"/>,
    /// already kept); fails if the process exits first.
    /// </summary>
    public async Task WaitForLineAsync(string text, TimeSpan timeout, string phase, bool newOnly = false)
    {
        var seen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_lines)
        {
            if (!newOnly && _lines.Any(l => l.Contains(text, StringComparison.Ordinal))) return;
            _waiters.Add((l => l.Contains(text, StringComparison.Ordinal), seen));
        }
        var finished = await Task.WhenAny(seen.Task, _exited.Task, Task.Delay(timeout));
        if (finished == seen.Task) return;
        if (finished == _exited.Task)
            throw new InvalidOperationException($"{phase}: {Name} (pid {Pid}) exited with code {_exited.Task.Result} before printing '{text}'. Last output:\n{Tail}");
        throw new TimeoutException($"{phase}: {Name} (pid {Pid}) did not print '{text}' within {timeout.TotalSeconds:F0} s. Last output:\n{Tail}");
    }

    /// <summary>kill -9: the process gets no chance to clean up.</summary>
    public async Task KillAsync()
    {
        if (HasExited) return;
        Signal(SigKill);
        await Exited.WaitAsync(TimeSpan.FromSeconds(30));
    }

    /// <summary>SIGSTOP: the process is frozen (no thread runs, its sockets stay open) until <see cref="Resume"/>.</summary>
    public void Pause() => Signal(SigStop);

    /// <summary>SIGCONT after <see cref="Pause"/>.</summary>
    public void Resume() => Signal(SigCont);

    /// <summary>SIGTERM, then waits for the exit; SIGKILL if it takes longer than <paramref name="timeout"/>. Returns the exit code.</summary>
    public async Task<int> TerminateAsync(TimeSpan timeout)
    {
        if (HasExited) return await Exited;
        Signal(SigTerm);
        try
        {
            return await Exited.WaitAsync(timeout);
        }
        catch (TimeoutException)
        {
            Signal(SigKill);
            await Exited.WaitAsync(TimeSpan.FromSeconds(30));
            throw new TimeoutException($"{Name} (pid {Pid}) did not exit within {timeout.TotalSeconds:F0} s of SIGTERM and was killed. Last output:\n{Tail}");
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!HasExited)
        {
            try
            {
                _process.Kill(entireProcessTree: true);
            }
            catch (InvalidOperationException)
            {
                // Exited between the check and the kill.
            }
            await Exited.WaitAsync(TimeSpan.FromSeconds(30)).ContinueWith(_ => { }, TaskScheduler.Default);
        }
        _process.Dispose();
        lock (_lines) _log?.Dispose();
    }

    private void Signal(int signal)
    {
        if (kill(Pid, signal) != 0 && !HasExited)
            throw new InvalidOperationException($"kill({signal}) of {Name} (pid {Pid}) failed: errno {Marshal.GetLastPInvokeError()}");
    }

    private void OnLine(string? line)
    {
        if (line is null) return;
        List<TaskCompletionSource>? done = null;
        lock (_lines)
        {
            _lines.Enqueue(line);
            if (_lines.Count > KeptLines) _lines.Dequeue();
            try
            {
                _log?.WriteLine(line);
            }
            catch (ObjectDisposedException)
            {
                // Output after dispose.
            }
            for (int i = _waiters.Count - 1; i >= 0; i--)
            {
                if (!_waiters[i].Match(line)) continue;
                (done ??= []).Add(_waiters[i].Seen);
                _waiters.RemoveAt(i);
            }
        }
        if (done is not null) foreach (var seen in done) seen.TrySetResult();
    }

    private void OnExited()
    {
        // WaitForExit() drains the redirected output before the code is read.
        _process.WaitForExit();
        _exited.TrySetResult(_process.ExitCode);
    }

    private const int SigTerm = 15, SigKill = 9, SigStop = 19, SigCont = 18;

    [DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int sig);
}
