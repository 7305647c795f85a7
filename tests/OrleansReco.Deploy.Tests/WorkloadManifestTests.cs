using System.Text.Json.Nodes;

namespace OrleansReco.Deploy.Tests;

/// <summary>Wiring that Kubernetes itself would reject or silently get wrong: selectors, ports, probes, resources.</summary>
public sealed class WorkloadManifestTests
{
    [Theory, MemberData(nameof(Kustomize.AllTargets), MemberType = typeof(Kustomize))]
    public void Render_ProducesTheExpectedWorkloads_InOneNamespace(string target)
    {
        var r = Kustomize.Render(target);
        foreach (var name in new[] { "silo", "trainer", "gateway" })
            Assert.Equal("Deployment", r.Workload(name).Kind);
        Assert.Single(r.OfKind("Namespace"), n => n.Name == "orleans-reco");
        foreach (var res in r.All.Where(x => x.Kind is not ("Namespace" or "ClusterRole" or "ClusterRoleBinding")))
            Assert.True(res.Namespace == "orleans-reco", $"{target}: {res} is in namespace '{res.Namespace}', not orleans-reco.");
    }

    [Theory, MemberData(nameof(Kustomize.AllTargets), MemberType = typeof(Kustomize))]
    public void WorkloadSelectors_MatchTheirTemplateLabels(string target)
    {
        var r = Kustomize.Render(target);
        foreach (var w in r.Workloads)
        {
            var selector = w.Node["spec"]?["selector"];
            Assert.True(Resource.Map(selector?["matchLabels"]).Count > 0, $"{target}: {w} has no selector.matchLabels.");
            Assert.True(Rendering.Selects(selector, w.TemplateLabels), $"{target}: {w} selector does not match its pod template labels.");
        }
    }

    [Theory, MemberData(nameof(Kustomize.AllTargets), MemberType = typeof(Kustomize))]
    public void ServiceSelectors_MatchAWorkload_AndTargetPortsAreContainerPorts(string target)
    {
        var r = Kustomize.Render(target);
        foreach (var svc in r.OfKind("Service"))
        {
            var selector = svc.Node["spec"]?["selector"];
            Assert.True(Resource.Map(selector).Count > 0, $"{target}: {svc} has no selector.");
            var backends = r.Workloads.Where(w => Rendering.Selects(selector, w.TemplateLabels)).ToList();
            Assert.True(backends.Count > 0, $"{target}: {svc} selects no workload's pods.");
            foreach (var port in Resource.Items(svc.Node["spec"]?["ports"]).OfType<JsonObject>())
            {
                var targetPort = Resource.Str(port, "targetPort") ?? Resource.Str(port, "port")!;
                foreach (var w in backends)
                    Assert.True(w.Containers.Any(c => Rendering.PortKeys(c).Contains(targetPort)),
                        $"{target}: {svc} targets port '{targetPort}', which no container of {w} declares.");
            }
        }
    }

    [Theory, MemberData(nameof(Kustomize.AllTargets), MemberType = typeof(Kustomize))]
    public void EveryContainer_HasRequestsLimitsAndProbes(string target)
    {
        var r = Kustomize.Render(target);
        foreach (var w in r.Workloads)
        foreach (var c in w.Containers)
        {
            var where = $"{target}: {w} container {Resource.Str(c, "name")}";
            foreach (var kind in new[] { "requests", "limits" })
            foreach (var resource in new[] { "cpu", "memory" })
                Assert.True(Resource.Str(c["resources"]?[kind], resource) is { Length: > 0 }, $"{where} has no resources.{kind}.{resource}.");
            Assert.True(c["readinessProbe"] is JsonObject, $"{where} has no readinessProbe.");
            Assert.True(c["livenessProbe"] is JsonObject, $"{where} has no livenessProbe.");
        }
    }

    [Theory, MemberData(nameof(Kustomize.AllTargets), MemberType = typeof(Kustomize))]
    public void ProbePorts_AreContainerPorts(string target)
    {
        var r = Kustomize.Render(target);
        foreach (var w in r.Workloads)
        foreach (var c in w.Containers)
        {
            var ports = Rendering.PortKeys(c);
            foreach (var probe in new[] { "startupProbe", "readinessProbe", "livenessProbe" })
            {
                var port = Resource.Str(c[probe]?["tcpSocket"], "port") ?? Resource.Str(c[probe]?["httpGet"], "port");
                if (port is null) continue;
                Assert.True(ports.Contains(port), $"{target}: {w} {probe} uses port '{port}', which its container does not declare.");
            }
        }
    }

    [Theory, MemberData(nameof(Kustomize.AllTargets), MemberType = typeof(Kustomize))]
    public void ScrapedPods_AnnotatePrometheusOnAContainerPort(string target)
    {
        var r = Kustomize.Render(target);
        foreach (var name in new[] { "silo", "trainer", "gateway" })
        {
            var w = r.Workload(name);
            var a = w.TemplateAnnotations;
            Assert.Equal("true", a.GetValueOrDefault("prometheus.io/scrape"));
            Assert.Equal("/metrics", a.GetValueOrDefault("prometheus.io/path"));
            var port = a.GetValueOrDefault("prometheus.io/port");
            Assert.True(port is not null && w.Containers.Any(c => Rendering.PortKeys(c).Contains(port)),
                $"{target}: {w} annotates prometheus.io/port '{port}', which no container declares.");
        }
    }
}
