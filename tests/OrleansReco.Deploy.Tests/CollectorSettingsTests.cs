using System.Text.Json.Nodes;

namespace OrleansReco.Deploy.Tests;

/// <summary>The collector chosen by measurement (bench/results/cluster-tail-latency.md) is what the built hosts run with.</summary>
public sealed class CollectorSettingsTests
{
    [Theory]
    [InlineData("silo", "OrleansReco.Silo")]
    [InlineData("client", "OrleansReco.Gateway")]
    [InlineData("cli", "reco")]
    public void ServingHost_RunsServerGc_WithTheBackgroundCollector_AndDatas(string folder, string assembly)
    {
        // The configuration and framework folder this test was built in (bin/<configuration>/<framework>/).
        var testOutput = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        string file = Repo.Path(folder, "bin", testOutput.Parent!.Name, testOutput.Name, $"{assembly}.runtimeconfig.json");
        Assert.True(File.Exists(file), $"{file} is missing: build the solution first.");

        var settings = JsonNode.Parse(File.ReadAllText(file))!["runtimeOptions"]!["configProperties"]!;
        Assert.True((bool)settings["System.GC.Server"]!, $"{file}: System.GC.Server");
        Assert.True((bool)settings["System.GC.Concurrent"]!, $"{file}: System.GC.Concurrent");
        Assert.Equal(1, (int)settings["System.GC.DynamicAdaptationMode"]!);
    }
}
