namespace OrleansReco.Deploy.Tests;

/// <summary>Paths in the repository, found from the test assembly's folder by walking up to the solution file.</summary>
internal static class Repo
{
    public static readonly string Root = FindRoot();

    public static string Path(params string[] parts) => System.IO.Path.Combine([Root, .. parts]);

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "OrleansReco.sln")))
                return dir.FullName;
        throw new InvalidOperationException($"No OrleansReco.sln above {AppContext.BaseDirectory}.");
    }
}
