using System.Globalization;
using System.Text.Json.Nodes;

namespace OrleansReco.Deploy.Tests;

/// <summary>Autoscalers, disruption budgets and rollout settings point at real workloads and cannot deadlock a drain.</summary>
public sealed class ScalingManifestTests
{
    [Theory, MemberData(nameof(Kustomize.AllTargets), MemberType = typeof(Kustomize))]
    public void Autoscalers_TargetExistingDeployments(string target)
    {
        var r = Kustomize.Render(target);
        var hpas = r.OfKind("HorizontalPodAutoscaler").ToList();
        Assert.Equal(["gateway", "silo"], hpas.Select(h => Resource.Str(h.Node["spec"]?["scaleTargetRef"], "name")).Order());
        foreach (var hpa in hpas)
        {
            var spec = hpa.Node["spec"]!;
            var kind = Resource.Str(spec["scaleTargetRef"], "kind")!;
            var name = Resource.Str(spec["scaleTargetRef"], "name")!;
            Assert.True(r.Find(kind, name) is not null, $"{target}: {hpa} targets {kind}/{name}, which is not rendered.");
            int min = int.Parse(Resource.Str(spec, "minReplicas") ?? "1", CultureInfo.InvariantCulture);
            int max = int.Parse(Resource.Str(spec, "maxReplicas")!, CultureInfo.InvariantCulture);
            Assert.True(min >= 1 && min <= max, $"{target}: {hpa} has minReplicas {min} and maxReplicas {max}.");
            Assert.Contains(Resource.Items(spec["metrics"]).OfType<JsonObject>(), m => Resource.Str(m["resource"], "name") == "cpu");
        }
    }

    [Theory, MemberData(nameof(Kustomize.AllTargets), MemberType = typeof(Kustomize))]
    public void DisruptionBudgets_SelectAWorkload_AndLeaveRoomForADrain(string target)
    {
        var r = Kustomize.Render(target);
        var pdbs = r.OfKind("PodDisruptionBudget").ToList();
        Assert.Contains(pdbs, p => r.Workload("silo").TemplateLabels is var l && Rendering.Selects(p.Node["spec"]?["selector"], l));
        Assert.Contains(pdbs, p => r.Workload("gateway").TemplateLabels is var l && Rendering.Selects(p.Node["spec"]?["selector"], l));
        foreach (var pdb in pdbs)
        {
            var selected = r.Workloads.Where(w => Rendering.Selects(pdb.Node["spec"]?["selector"], w.TemplateLabels)).ToList();
            var w = Assert.Single(selected);
            if (Resource.Str(pdb.Node["spec"], "minAvailable") is not { } minAvailable) continue;
            var hpa = r.OfKind("HorizontalPodAutoscaler").FirstOrDefault(h => Resource.Str(h.Node["spec"]?["scaleTargetRef"], "name") == w.Name);
            int fewest = int.Parse(Resource.Str(hpa?.Node["spec"], "minReplicas") ?? Resource.Str(w.Node["spec"], "replicas") ?? "1", CultureInfo.InvariantCulture);
            Assert.True(int.Parse(minAvailable, CultureInfo.InvariantCulture) < fewest,
                $"{target}: {pdb} minAvailable {minAvailable} with as few as {fewest} replicas of {w} would block every node drain.");
        }
    }

    [Theory, MemberData(nameof(Kustomize.AllTargets), MemberType = typeof(Kustomize))]
    public void RollingUpdates_SurgeBeforeStopping(string target)
    {
        var r = Kustomize.Render(target);
        foreach (var name in new[] { "silo", "gateway" })
        {
            var strategy = r.Workload(name).Node["spec"]?["strategy"];
            Assert.Equal("RollingUpdate", Resource.Str(strategy, "type"));
            Assert.Equal("0", Resource.Str(strategy?["rollingUpdate"], "maxUnavailable"));
            Assert.Equal("1", Resource.Str(strategy?["rollingUpdate"], "maxSurge"));
        }
    }
}
