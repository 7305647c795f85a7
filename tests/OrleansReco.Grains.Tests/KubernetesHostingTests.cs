using OrleansReco.Silo.Hosting;

namespace OrleansReco.Grains.Tests;

/// <summary>When a silo turns on Orleans Kubernetes hosting.</summary>
public sealed class KubernetesHostingTests
{
    private static Func<string, string?> Environment(params (string Name, string Value)[] variables) =>
        name => variables.FirstOrDefault(v => v.Name == name).Value;

    [Fact]
    public void UsesKubernetes_InAPod_IsOnByDefault() =>
        Assert.True(new ClusterHostingOptions().UsesKubernetes(Environment(("KUBERNETES_SERVICE_HOST", "10.0.0.1"), ("POD_NAMESPACE", "reco"))));

    [Fact]
    public void UsesKubernetes_OutsideAPod_IsOffByDefault()
    {
        Assert.False(new ClusterHostingOptions().UsesKubernetes(Environment()));
        Assert.False(new ClusterHostingOptions().UsesKubernetes(Environment(("KUBERNETES_SERVICE_HOST", "10.0.0.1"))));
    }

    [Fact]
    public void UsesKubernetes_Configured_OverridesTheEnvironment()
    {
        Assert.False(new ClusterHostingOptions { Kubernetes = false }.UsesKubernetes(Environment(("KUBERNETES_SERVICE_HOST", "h"), ("POD_NAMESPACE", "n"))));
        Assert.True(new ClusterHostingOptions { Kubernetes = true }.UsesKubernetes(Environment()));
    }
}
