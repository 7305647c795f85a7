using System.Globalization;
using System.Text.Json.Nodes;

namespace OrleansReco.Deploy.Tests;

/// <summary>What the silo, trainer and gateway need from their manifests to form one Orleans cluster and stop cleanly.</summary>
public sealed class ClusterManifestTests
{
    private static readonly string[] ClusterMembers = ["silo", "trainer"];

    [Theory, MemberData(nameof(Kustomize.AllTargets), MemberType = typeof(Kustomize))]
    public void SiloPorts_AgreeWithClusterConfiguration(string target)
    {
        var r = Kustomize.Render(target);
        foreach (var name in ClusterMembers)
        {
            var w = r.Workload(name);
            var c = w.Containers.Single();
            Assert.Equal(r.Env(c, "Reco__Cluster__SiloPort"), Rendering.NamedPort(c, "silo")?.ToString(CultureInfo.InvariantCulture));
            Assert.Equal(r.Env(c, "Reco__Cluster__GatewayPort"), Rendering.NamedPort(c, "gateway")?.ToString(CultureInfo.InvariantCulture));
            Assert.Equal(r.Env(c, "Reco__Silo__HttpPort"), Rendering.NamedPort(c, "http")?.ToString(CultureInfo.InvariantCulture));
            Assert.Equal("Redis", r.Env(c, "Reco__Cluster__Provider"));
        }
    }

    [Theory, MemberData(nameof(Kustomize.AllTargets), MemberType = typeof(Kustomize))]
    public void ClusterIdentity_IsTheSameInLabelsEnvironmentAndGateway(string target)
    {
        var r = Kustomize.Render(target);
        var gateway = r.Workload("gateway").Containers.Single();
        foreach (var (name, role) in new[] { ("silo", "serve"), ("trainer", "train") })
        {
            var w = r.Workload(name);
            var c = w.Containers.Single();
            var clusterId = r.Env(c, "Reco__Cluster__ClusterId");
            var serviceId = r.Env(c, "Reco__Cluster__ServiceId");
            Assert.False(string.IsNullOrEmpty(clusterId), $"{target}: {w} sets no Reco__Cluster__ClusterId.");
            Assert.False(string.IsNullOrEmpty(serviceId), $"{target}: {w} sets no Reco__Cluster__ServiceId.");
            Assert.Equal(clusterId, w.TemplateLabels.GetValueOrDefault("orleans/clusterId"));
            Assert.Equal(serviceId, w.TemplateLabels.GetValueOrDefault("orleans/serviceId"));
            Assert.Equal(clusterId, r.Env(c, "ORLEANS_CLUSTER_ID"));
            Assert.Equal(serviceId, r.Env(c, "ORLEANS_SERVICE_ID"));
            Assert.Equal(clusterId, r.Env(gateway, "Reco__Cluster__ClusterId"));
            Assert.Equal(serviceId, r.Env(gateway, "Reco__Cluster__ServiceId"));
            Assert.Equal(role, r.Env(c, "Reco__Cluster__Role"));
            var env = r.Environment(c);
            foreach (var (variable, field) in new[] { ("POD_NAME", "metadata.name"), ("POD_NAMESPACE", "metadata.namespace"), ("POD_IP", "status.podIP") })
                Assert.True(Resource.Str(env.GetValueOrDefault(variable)?.ValueFrom?["fieldRef"], "fieldPath") == field,
                    $"{target}: {w} must take {variable} from the downward API ({field}).");
        }
        Assert.Equal("Client", r.Env(gateway, "Reco__Gateway__Mode"));
        Assert.Equal(r.Env(r.Workload("silo").Containers.Single(), "Reco__Cluster__RedisConnectionString"),
            r.Env(gateway, "Reco__Cluster__RedisConnectionString"));
        Assert.Equal(r.Env(gateway, "ASPNETCORE_HTTP_PORTS"), Rendering.NamedPort(gateway, "http")?.ToString(CultureInfo.InvariantCulture));
    }

    [Theory, MemberData(nameof(Kustomize.AllTargets), MemberType = typeof(Kustomize))]
    public void Rbac_GrantsPodAccess_ToTheSiloServiceAccount(string target)
    {
        var r = Kustomize.Render(target);
        var accounts = ClusterMembers.Select(n => Resource.Str(r.Workload(n).PodSpec, "serviceAccountName")).Distinct().ToList();
        var account = Assert.Single(accounts);
        Assert.False(string.IsNullOrEmpty(account), $"{target}: silos run under the default service account.");
        Assert.NotNull(r.Find("ServiceAccount", account!));

        string[] needed = ["get", "list", "watch", "patch", "delete"];
        var roles = r.OfKind("Role").Where(role => Resource.Items(role.Node["rules"]).OfType<JsonObject>().Any(rule =>
            Resource.Items(rule["apiGroups"]).Any(g => g?.ToString() == "")
            && Resource.Items(rule["resources"]).Any(x => x?.ToString() == "pods")
            && needed.All(v => Resource.Items(rule["verbs"]).Any(x => x?.ToString() == v)))).Select(role => role.Name).ToHashSet();
        Assert.True(roles.Count > 0, $"{target}: no Role grants {string.Join('/', needed)} on pods.");
        Assert.True(r.OfKind("RoleBinding").Any(b =>
                Resource.Str(b.Node["roleRef"], "kind") == "Role" && roles.Contains(Resource.Str(b.Node["roleRef"], "name")!)
                && Resource.Items(b.Node["subjects"]).OfType<JsonObject>().Any(s =>
                    Resource.Str(s, "kind") == "ServiceAccount" && Resource.Str(s, "name") == account && Resource.Str(s, "namespace") == "orleans-reco")),
            $"{target}: no RoleBinding binds the pod Role to ServiceAccount {account}.");
    }

    [Theory, MemberData(nameof(Kustomize.AllTargets), MemberType = typeof(Kustomize))]
    public void GracePeriod_CoversPreStopAndShutdownTimeout(string target)
    {
        var r = Kustomize.Render(target);
        foreach (var name in new[] { "silo", "trainer", "gateway" })
        {
            var w = r.Workload(name);
            var c = w.Containers.Single();
            var grace = int.Parse(Resource.Str(w.PodSpec, "terminationGracePeriodSeconds") ?? "30", CultureInfo.InvariantCulture);
            var shutdown = r.Env(c, "Reco__Cluster__ShutdownTimeout") is { } s ? TimeSpan.Parse(s, CultureInfo.InvariantCulture) : TimeSpan.FromSeconds(30);
            var preStop = Resource.Items(c["lifecycle"]?["preStop"]?["exec"]?["command"]).Select(x => x!.ToString()).ToArray();
            Assert.True(preStop is ["sleep", _], $"{target}: {w} has no preStop sleep.");
            var sleep = int.Parse(preStop[1], CultureInfo.InvariantCulture);
            Assert.True(grace >= sleep + shutdown.TotalSeconds,
                $"{target}: {w} terminationGracePeriodSeconds {grace} < preStop {sleep} s + ShutdownTimeout {shutdown.TotalSeconds} s.");
        }
    }

    [Theory]
    [InlineData("k8s/base", true)]
    [InlineData("k8s/overlays/dev", false)]
    [InlineData("k8s/overlays/prod", true)]
    [InlineData("k8s/overlays/prod-external-redis", true)]
    public void Trainer_AsksForAGpu_ExceptInDev(string target, bool gpu)
    {
        var w = Kustomize.Render(target).Workload("trainer");
        var c = w.Containers.Single();
        var limit = Resource.Str(c["resources"]?["limits"], "nvidia.com/gpu");
        var tolerated = Resource.Items(w.PodSpec?["tolerations"]).OfType<JsonObject>().Any(t => Resource.Str(t, "key") == "nvidia.com/gpu");
        var nodeSelector = Resource.Map(w.PodSpec?["nodeSelector"]);
        // The CPU image (TORCH_BACKEND=cpu) is tagged -cpu; a GPU pod must run the CUDA build and the reverse.
        Assert.Equal(!gpu, Resource.Str(c, "image")!.EndsWith("-cpu", StringComparison.Ordinal));
        if (gpu)
        {
            Assert.True(limit is not null && int.Parse(limit, CultureInfo.InvariantCulture) >= 1, $"{target}: trainer has no nvidia.com/gpu limit.");
            Assert.True(tolerated, $"{target}: trainer does not tolerate the nvidia.com/gpu taint.");
            Assert.True(nodeSelector.Count > 0, $"{target}: trainer has no GPU node selector.");
        }
        else
        {
            Assert.Null(limit);
            Assert.Null(Resource.Str(c["resources"]?["requests"], "nvidia.com/gpu"));
            Assert.False(tolerated);
            Assert.Empty(nodeSelector);
        }
        Assert.Equal("1", Resource.Str(w.Node["spec"], "replicas"));
    }

    [Theory, MemberData(nameof(Kustomize.AllTargets), MemberType = typeof(Kustomize))]
    public void Redis_IsDurable_OrExternalFromASecret(string target)
    {
        var r = Kustomize.Render(target);
        var redis = r.Find("StatefulSet", "redis");
        if (redis is null)
        {
            Assert.EndsWith("external-redis", target);
            foreach (var name in new[] { "silo", "trainer", "gateway" })
            {
                var value = r.Environment(r.Workload(name).Containers.Single()).GetValueOrDefault("Reco__Cluster__RedisConnectionString");
                Assert.True(value?.ValueFrom?["secretKeyRef"] is JsonObject, $"{target}: {name} must read the external Redis connection string from a Secret.");
            }
            return;
        }
        var c = redis.Containers.Single(x => Resource.Str(x, "name") == "redis");
        var args = string.Join(' ', Resource.Items(c["command"]).Concat(Resource.Items(c["args"])).Select(a => a!.ToString()));
        Assert.Contains("--appendonly yes", args);
        Assert.Contains("--appendfsync everysec", args);
        Assert.Contains("--maxmemory-policy noeviction", args);
        var claims = Resource.Items(redis.Node["spec"]?["volumeClaimTemplates"]).Select(t => Resource.Str(t?["metadata"], "name")).ToHashSet();
        var mounts = Resource.Items(c["volumeMounts"]).OfType<JsonObject>().ToList();
        Assert.Contains(mounts, m => Resource.Str(m, "mountPath") == "/data" && claims.Contains(Resource.Str(m, "name")));
        var service = r.Find("Service", Resource.Str(redis.Node["spec"], "serviceName")!);
        Assert.True(service is not null && Resource.Str(service.Node["spec"], "clusterIP") == "None", $"{target}: Redis needs its headless Service.");
        var connection = r.Env(r.Workload("silo").Containers.Single(), "Reco__Cluster__RedisConnectionString");
        Assert.StartsWith($"{service!.Name}:6379", connection);
    }
}
