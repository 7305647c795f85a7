namespace OrleansReco.Deploy.Tests;

public sealed class YamlLintTests
{
    [Fact]
    public void KubernetesManifests_PassYamlLint()
    {
        var (code, stdout, stderr) = Tools.Run(Tools.YamlLint, "--strict", "-c", Repo.Path(".yamllint"), Repo.Path("k8s"));
        Assert.True(code == 0, $"yamllint found problems:\n{stdout}{stderr}");
    }
}
