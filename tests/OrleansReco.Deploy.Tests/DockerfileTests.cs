using System.Globalization;
using System.Xml.Linq;

namespace OrleansReco.Deploy.Tests;

/// <summary>
/// The Dockerfiles, checked by reading them (no Docker engine runs here): every copied path exists, the restore
/// layer holds every project the published one depends on, ports match the manifests, and the image runs as non-root.
/// </summary>
public sealed class DockerfileTests
{
    public static TheoryData<string, string, string> Images => new()
    {
        { "silo/Dockerfile", "silo/OrleansReco.Silo.csproj", "silo" },
        { "silo/Dockerfile.trainer", "silo/OrleansReco.Silo.csproj", "trainer" },
        { "client/Dockerfile", "client/OrleansReco.Gateway.csproj", "gateway" },
    };

    [Theory, MemberData(nameof(Images))]
    public void CopiedPaths_Exist(string dockerfile, string project, string workload)
    {
        _ = (project, workload);
        foreach (var (_, args) in Instructions(dockerfile).Where(i => i.Op == "COPY" && !i.Args.StartsWith("--from", StringComparison.Ordinal)))
        {
            var parts = args.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            foreach (var source in parts[..^1])
                Assert.True(File.Exists(Repo.Path(source)) || Directory.Exists(Repo.Path(source)), $"{dockerfile}: COPY {source}: no such path in the repository.");
        }
    }

    [Theory, MemberData(nameof(Images))]
    public void RestoreLayer_HoldsTheProjectClosure_AndPublishesTheProject(string dockerfile, string project, string workload)
    {
        _ = workload;
        var instructions = Instructions(dockerfile);
        int restore = instructions.FindIndex(i => i.Op == "RUN" && i.Args.Contains("dotnet restore " + project, StringComparison.Ordinal));
        Assert.True(restore > 0, $"{dockerfile}: no 'RUN dotnet restore {project}'.");
        Assert.Contains(instructions, i => i.Op == "RUN" && i.Args.Contains("dotnet publish " + project, StringComparison.Ordinal) && i.Args.Contains("-c Release"));
        var copiedBeforeRestore = instructions.Take(restore).Where(i => i.Op == "COPY").SelectMany(i => i.Args.Split(' ')).ToHashSet();
        foreach (var file in new[] { "Directory.Build.props", "Directory.Build.targets", "Directory.Packages.props" })
            Assert.Contains(file, copiedBeforeRestore);
        var properties = BuildProperties(instructions[restore].Args);
        foreach (var csproj in Closure(project, properties))
            Assert.True(copiedBeforeRestore.Contains(csproj), $"{dockerfile}: {project} depends on {csproj}, which is not copied before the restore.");
        var copiedAfter = instructions.Skip(restore).Where(i => i.Op == "COPY").SelectMany(i => i.Args.Split(' ')).ToHashSet();
        foreach (var folder in Closure(project, properties).Select(p => p[..(p.IndexOf('/') + 1)]))
            Assert.True(copiedAfter.Contains(folder), $"{dockerfile}: the sources of {folder} are not copied for the publish.");
    }

    /// <summary>An image builds its project's closure and nothing more: the gateway's, for one, holds no grains or silo.</summary>
    [Theory, MemberData(nameof(Images))]
    public void Image_CopiesNoProjectOutsideTheClosure(string dockerfile, string project, string workload)
    {
        _ = workload;
        var instructions = Instructions(dockerfile);
        var restore = instructions.Single(i => i.Op == "RUN" && i.Args.Contains("dotnet restore " + project, StringComparison.Ordinal));
        var closure = Closure(project, BuildProperties(restore.Args));
        var copiedProjects = instructions.Where(i => i.Op == "COPY").SelectMany(i => i.Args.Split(' ')).Where(a => a.EndsWith(".csproj", StringComparison.Ordinal));
        foreach (var csproj in copiedProjects)
            Assert.True(closure.Contains(csproj), $"{dockerfile}: copies {csproj}, which {project} does not depend on.");
    }

    [Theory, MemberData(nameof(Images))]
    public void Image_IsMultiStage_NonRoot_AndExposesTheManifestPorts(string dockerfile, string project, string workload)
    {
        _ = project;
        var instructions = Instructions(dockerfile);
        var froms = instructions.Where(i => i.Op == "FROM").Select(i => i.Args).ToList();
        Assert.True(froms.Count >= 2, $"{dockerfile}: expected a build stage and a runtime stage.");
        Assert.StartsWith("mcr.microsoft.com/dotnet/sdk:10.0", froms[0]);
        Assert.DoesNotContain(instructions, i => i.Op == "HEALTHCHECK");
        var user = instructions.Last(i => i.Op == "USER").Args;
        Assert.True(user is not ("root" or "0") && instructions.FindLastIndex(i => i.Op == "USER") > instructions.FindLastIndex(i => i.Op == "FROM"),
            $"{dockerfile}: the runtime stage must end on a non-root USER.");
        var exposed = instructions.Where(i => i.Op == "EXPOSE").SelectMany(i => i.Args.Split(' ', StringSplitOptions.RemoveEmptyEntries)).Order().ToList();
        var w = Kustomize.Render("k8s/base").Workload(workload);
        var declared = w.Containers.SelectMany(c => Resource.Items(c["ports"])).Select(p => Resource.Str(p, "containerPort")!).Order().ToList();
        Assert.Equal(declared, exposed);
        var image = Resource.Str(w.Containers.Single(), "image")!;
        Assert.Contains(workload, image);
    }

    [Fact]
    public void TrainerImage_PassesTheTorchBackend()
    {
        var text = string.Join('\n', Instructions("silo/Dockerfile.trainer").Select(i => $"{i.Op} {i.Args}"));
        Assert.Contains("ARG TORCH_BACKEND=cpu", text);
        Assert.Contains("-p:RecoTorchBackend=${TORCH_BACKEND}", text);
        Assert.Contains("ARG RUNTIME_BASE=", text);
        Assert.Contains("FROM ${RUNTIME_BASE}", text);
    }

    [Fact]
    public void DockerIgnore_KeepsBuildOutputsAndHistoryOut()
    {
        var lines = File.ReadAllLines(Repo.Path(".dockerignore")).Select(l => l.Trim()).ToHashSet();
        foreach (var entry in new[] { "**/bin/", "**/obj/", ".git/", "bench/results/", ".test-results/", "data/" })
            Assert.Contains(entry, lines);
    }

    /// <summary>The Dockerfile's instructions with continuation lines joined and comments dropped.</summary>
    private static List<(string Op, string Args)> Instructions(string dockerfile)
    {
        var result = new List<(string, string)>();
        string pending = "";
        foreach (var raw in File.ReadAllLines(Repo.Path(dockerfile)))
        {
            var line = raw.Trim();
            if (line.StartsWith('#') || line.Length == 0) continue;
            if (line.EndsWith('\\')) { pending += line[..^1] + " "; continue; }
            line = pending + line;
            pending = "";
            int space = line.IndexOf(' ');
            result.Add((line[..space].ToUpperInvariant(), string.Join(' ', line[(space + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries))));
        }
        return result;
    }

    /// <summary>The project and every project it references, transitively, as repository-relative paths.</summary>
    /// <summary>The <c>-p:Name=Value</c> properties of a <c>dotnet restore</c> line.</summary>
    private static Dictionary<string, string> BuildProperties(string run) =>
        System.Text.RegularExpressions.Regex.Matches(run, @"-p:(\w+)=(\S+)").ToDictionary(m => m.Groups[1].Value, m => m.Groups[2].Value);

    /// <summary>
    /// Whether an item group's condition holds for <paramref name="properties"/>; understands the project's own
    /// forms <c>'$(Name)' != 'value'</c> and <c>'$(Name)' == 'value'</c> (an unset property is empty, except
    /// RecoTrainer, which defaults to true).
    /// </summary>
    private static bool Holds(string? condition, IReadOnlyDictionary<string, string> properties)
    {
        if (string.IsNullOrWhiteSpace(condition)) return true;
        var m = System.Text.RegularExpressions.Regex.Match(condition, @"^\s*'\$\((\w+)\)'\s*(==|!=)\s*'([^']*)'\s*$");
        Assert.True(m.Success, $"Unexpected condition on a project reference: {condition}");
        string value = properties.TryGetValue(m.Groups[1].Value, out var v) ? v : m.Groups[1].Value == "RecoTrainer" ? "true" : "";
        bool equal = string.Equals(value, m.Groups[3].Value, StringComparison.OrdinalIgnoreCase);
        return m.Groups[2].Value == "==" ? equal : !equal;
    }

    private static SortedSet<string> Closure(string project, IReadOnlyDictionary<string, string> properties)
    {
        var seen = new SortedSet<string>(StringComparer.Ordinal);
        var queue = new Queue<string>([project]);
        while (queue.TryDequeue(out var current))
        {
            if (!seen.Add(current)) continue;
            var folder = Path.GetDirectoryName(Repo.Path(current))!;
            foreach (var reference in XDocument.Load(Repo.Path(current)).Descendants("ProjectReference")
                         .Where(r => Holds(r.Parent?.Attribute("Condition")?.Value, properties)))
            {
                var full = Path.GetFullPath(Path.Combine(folder, reference.Attribute("Include")!.Value.Replace('\\', '/')));
                queue.Enqueue(Path.GetRelativePath(Repo.Root, full).Replace('\\', '/'));
            }
        }
        return seen;
    }
}
