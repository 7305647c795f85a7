using System.Diagnostics;

namespace OrleansReco.Deploy.Tests;

/// <summary>External programs the deployment tests run (kubectl, yamllint), found without guessing.</summary>
internal static class Tools
{
    /// <summary>
    /// kubectl with a built-in kustomize v4 or later: <c>RECO_KUBECTL</c>, else the copy that <c>.ci/run</c> installs
    /// under <c>.tools/bin</c> (when the one on PATH is missing or too old), else <c>kubectl</c> on PATH.
    /// Fails with a message saying how to get one.
    /// </summary>
    public static string Kubectl => _kubectl.Value;

    private static readonly Lazy<string> _kubectl = new(() =>
        Find("kubectl", "RECO_KUBECTL")
        ?? throw new InvalidOperationException(
            "kubectl not found (set RECO_KUBECTL, put kubectl on PATH, or run .ci/run, which installs one into .tools/bin). " +
            "Debian 12's kubernetes-client (1.20) is too old: its kustomize v2 cannot read these manifests."));

    /// <summary>yamllint from PATH (Debian package <c>yamllint</c>, installed by <c>.ci/run</c>).</summary>
    public static string YamlLint => Find("yamllint", "RECO_YAMLLINT")
        ?? throw new InvalidOperationException("yamllint not found: apt-get install -y yamllint (.ci/run does).");

    private static string? Find(string name, string variable)
    {
        var configured = Environment.GetEnvironmentVariable(variable);
        if (!string.IsNullOrEmpty(configured)) return File.Exists(configured) ? configured : null;
        var local = Repo.Path(".tools", "bin", name);
        if (File.Exists(local)) return local;
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(System.IO.Path.PathSeparator))
        {
            var candidate = System.IO.Path.Combine(dir, name);
            if (dir.Length > 0 && File.Exists(candidate)) return candidate;
        }
        return null;
    }

    /// <summary>Runs a program to completion (two minutes at most) and returns its exit code and output.</summary>
    public static (int ExitCode, string StdOut, string StdErr) Run(string program, params string[] arguments)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = Repo.Root };
        foreach (var a in arguments) start.ArgumentList.Add(a);
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {program}.");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(2)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{program} {string.Join(' ', arguments)} did not finish within 2 minutes.");
        }
        return (process.ExitCode, stdout.Result, stderr.Result);
    }
}
