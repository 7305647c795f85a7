namespace OrleansReco.LocalCluster;

/// <summary>
/// Finds the built silo, gateway, single-process host and CLI beside the running program: the caller runs from
/// <c>&lt;project&gt;/bin/&lt;Configuration&gt;/&lt;tfm&gt;/</c> of this repository, and the hosts sit at
/// <c>silo/bin/&lt;Configuration&gt;/&lt;tfm&gt;/</c> and <c>client/bin/…</c> (the projects that use the harness
/// reference both so that a build of either brings them up to date).
/// </summary>
public static class BuildOutput
{
    public static string SiloDll => Find("silo", "OrleansReco.Silo.dll");

    public static string GatewayDll => Find("client", "OrleansReco.Gateway.dll");

    public static string EmbeddedDll => Find("embedded", "OrleansReco.Embedded.dll");

    public static string RecoDll => Find("cli", "reco.dll");

    /// <summary>The repository root (the folder holding <c>OrleansReco.sln</c>).</summary>
    public static DirectoryInfo Root
    {
        get
        {
            var dir = new DirectoryInfo(AppContext.BaseDirectory);
            while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "OrleansReco.sln"))) dir = dir.Parent;
            return dir ?? throw new InvalidOperationException($"OrleansReco.sln not found above {AppContext.BaseDirectory}; run from a build of this repository.");
        }
    }

    private static string Find(string project, string assembly)
    {
        var output = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        string tfm = output.Name, configuration = output.Parent?.Name ?? "Release";
        string path = Path.Combine(Root.FullName, project, "bin", configuration, tfm, assembly);
        if (File.Exists(path)) return path;
        foreach (var other in new[] { "Release", "Debug" })
        {
            string candidate = Path.Combine(Root.FullName, project, "bin", other, tfm, assembly);
            if (File.Exists(candidate)) return candidate;
        }
        throw new FileNotFoundException($"{assembly} is not built at {path}; run 'dotnet build {project} -c {configuration}'.", path);
    }
}
