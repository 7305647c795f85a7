using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace OrleansReco.Deploy.Tests;

/// <summary>
/// The cluster plane as deployed: Orleans TLS in the prod overlays, Redis users and passwords from Secrets, TLS to
/// an external Redis, the bundled Redis' memory cap, and the durability the README promises.
/// </summary>
public sealed partial class ClusterPlaneManifestTests
{
    private static readonly string[] Members = ["silo", "trainer", "gateway"];

    [Theory]
    [InlineData("k8s/base", false)]
    [InlineData("k8s/overlays/dev", false)]
    [InlineData("k8s/overlays/prod", true)]
    [InlineData("k8s/overlays/prod-external-redis", true)]
    public void OrleansTls_IsOnInProd_WithCertificatesFromSecretClusterTls(string target, bool on)
    {
        var r = Kustomize.Render(target);
        foreach (var name in Members)
        {
            var w = r.Workload(name);
            var c = w.Containers.Single();
            if (!on)
            {
                Assert.NotEqual("true", r.Env(c, "Reco__Cluster__Tls__Enabled"));
                continue;
            }
            Assert.Equal("true", r.Env(c, "Reco__Cluster__Tls__Enabled"));
            var directory = r.Env(c, "Reco__Cluster__Tls__Directory");
            Assert.False(string.IsNullOrEmpty(directory), $"{target}: {w} turns TLS on without Reco__Cluster__Tls__Directory.");
            var mount = Resource.Items(c["volumeMounts"]).OfType<JsonObject>().SingleOrDefault(m => Resource.Str(m, "mountPath") == directory);
            Assert.True(mount is not null, $"{target}: {w} mounts nothing at {directory}.");
            var volume = Resource.Items(w.PodSpec?["volumes"]).OfType<JsonObject>().Single(v => Resource.Str(v, "name") == Resource.Str(mount, "name"));
            Assert.Equal("cluster-tls", Resource.Str(volume["secret"], "secretName"));
        }
    }

    [Theory, MemberData(nameof(Kustomize.AllTargets), MemberType = typeof(Kustomize))]
    public void RedisCredentials_ComeFromSecret_OneUserForSilosAnotherForTheGateway(string target)
    {
        var r = Kustomize.Render(target);
        foreach (var (name, user, key) in new[] { ("silo", "reco-silo", "silo-password"), ("trainer", "reco-silo", "silo-password"), ("gateway", "reco-gateway", "gateway-password") })
        {
            var w = r.Workload(name);
            var env = r.Environment(w.Containers.Single());
            Assert.Equal(user, env.GetValueOrDefault("Reco__Cluster__RedisUser")?.Literal);
            var secret = env.GetValueOrDefault("Reco__Cluster__RedisPassword")?.ValueFrom?["secretKeyRef"];
            Assert.True(Resource.Str(secret, "name") == "reco-redis-users" && Resource.Str(secret, "key") == key,
                $"{target}: {w} must read Reco__Cluster__RedisPassword from Secret reco-redis-users, key {key}.");
        }
        var redis = r.Find("StatefulSet", "redis");
        if (redis is null) return; // external Redis: the same users are created there by hand
        var server = redis.Containers.Single(c => Resource.Str(c, "name") == "redis");
        var args = Arguments(r, server);
        var aclFile = Assert.Single(Values(args, "--aclfile"));
        // The container's start script writes the ACL file from the rendered rules and the Secret's passwords.
        var script = string.Join('\n', args);
        Assert.Contains($"> {aclFile}", script);
        var serverEnv = r.Environment(server);
        foreach (var (variable, key) in new[] { ("REDIS_SILO_PASSWORD", "silo-password"), ("REDIS_GATEWAY_PASSWORD", "gateway-password") })
        {
            Assert.Contains(variable, script);
            Assert.Equal(key, Resource.Str(serverEnv.GetValueOrDefault(variable)?.ValueFrom?["secretKeyRef"], "key"));
        }
        var rulesMap = Resource.Items(redis.PodSpec?["volumes"]).OfType<JsonObject>().Select(v => Resource.Str(v["configMap"], "name")).OfType<string>().Single();
        var rules = Resource.Map(r.Find("ConfigMap", rulesMap)!.Node["data"])["users.acl"];
        Assert.Equal(File.ReadAllText(Repo.Path("k8s", "base", "redis-users.acl")), rules);
        var users = rules.Split('\n').Where(l => l.StartsWith("user ", StringComparison.Ordinal)).ToDictionary(l => l.Split(' ')[1]);
        Assert.Contains(">REDIS_SILO_PASSWORD", users["reco-silo"]);
        Assert.Contains(">REDIS_GATEWAY_PASSWORD", users["reco-gateway"]);
        // The gateway's user names its keys and commands one by one; unauthenticated connections may only PING.
        Assert.DoesNotContain("~*", users["reco-gateway"]);
        Assert.DoesNotContain("+@all", users["reco-gateway"]);
        Assert.EndsWith("-@all +ping", users["default"]);
    }

    [Fact]
    public void ExternalRedis_IsReachedOverTls()
    {
        var r = Kustomize.Render("k8s/overlays/prod-external-redis");
        foreach (var name in Members)
            Assert.Equal("true", r.Env(r.Workload(name).Containers.Single(), "Reco__Cluster__RedisTls"));
    }

    [Theory, MemberData(nameof(Kustomize.AllTargets), MemberType = typeof(Kustomize))]
    public void BundledRedis_CapsMemoryAtAbout75PercentOfItsLimit_AndRefusesWritesWhenFull(string target)
    {
        var r = Kustomize.Render(target);
        var redis = r.Find("StatefulSet", "redis");
        if (redis is null) return;
        var server = redis.Containers.Single(c => Resource.Str(c, "name") == "redis");
        var args = Arguments(r, server);
        Assert.Equal("noeviction", Assert.Single(Values(args, "--maxmemory-policy")));
        double maxmemory = RedisBytes(Assert.Single(Values(args, "--maxmemory")));
        double limit = KubernetesBytes(Resource.Str(server["resources"]?["limits"], "memory")!);
        double share = maxmemory / limit;
        Assert.True(share is >= 0.70 and <= 0.80, $"{target}: Redis maxmemory is {share:P0} of its memory limit; keep it about 75%.");
    }

    [Theory, MemberData(nameof(Kustomize.AllTargets), MemberType = typeof(Kustomize))]
    public void BundledRedis_AppendFsync_IsWhatTheReadmeStates(string target)
    {
        var r = Kustomize.Render(target);
        var redis = r.Find("StatefulSet", "redis");
        if (redis is null) return;
        var fsync = Assert.Single(Values(Arguments(r, redis.Containers.Single(c => Resource.Str(c, "name") == "redis")), "--appendfsync"));
        var readme = File.ReadAllText(Repo.Path("README.md"));
        Assert.Contains($"The bundled Redis of `k8s/` runs `appendfsync {fsync}`", readme);
        if (fsync == "everysec")
            Assert.Matches(LossWindow(), readme);
    }

    [GeneratedRegex(@"`appendfsync everysec`[^.]*up\s+to\s+about\s+1\s+s\s+of\s+acknowledged\s+events")]
    private static partial Regex LossWindow();

    /// <summary>Command and args with <c>$(VAR)</c> references replaced by the container's environment, as Kubernetes does.</summary>
    private static string[] Arguments(Rendering r, JsonObject container)
    {
        var env = r.Environment(container);
        return Resource.Items(container["command"]).Concat(Resource.Items(container["args"]))
            .Select(a => Regex.Replace(a!.ToString(), @"\$\(([A-Za-z_][A-Za-z0-9_]*)\)", m => env.GetValueOrDefault(m.Groups[1].Value)?.Literal ?? m.Value))
            .ToArray();
    }

    private static IEnumerable<string> Values(string[] args, string option) =>
        args.Select((a, i) => (a, i)).Where(p => p.a == option && p.i + 1 < args.Length).Select(p => args[p.i + 1]);

    /// <summary>A Redis memory size: <c>1536mb</c> (1024-based), <c>2g</c> (1000-based), or bytes.</summary>
    private static double RedisBytes(string value)
    {
        var m = Regex.Match(value.ToLowerInvariant(), @"^(\d+)(b|k|kb|m|mb|g|gb)?$");
        Assert.True(m.Success, $"'{value}' is not a Redis memory size.");
        double n = double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
        return n * m.Groups[2].Value switch
        {
            "k" => 1e3, "kb" => 1024, "m" => 1e6, "mb" => 1024 * 1024, "g" => 1e9, "gb" => 1024.0 * 1024 * 1024, _ => 1,
        };
    }

    /// <summary>A Kubernetes memory quantity: <c>2Gi</c>, <c>512Mi</c>, <c>1G</c>, or bytes.</summary>
    private static double KubernetesBytes(string value)
    {
        var m = Regex.Match(value, @"^(\d+)(Ki|Mi|Gi|Ti|k|M|G|T)?$");
        Assert.True(m.Success, $"'{value}' is not a memory quantity this test reads.");
        double n = double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
        return n * m.Groups[2].Value switch
        {
            "Ki" => 1024, "Mi" => 1024 * 1024, "Gi" => 1024.0 * 1024 * 1024, "Ti" => 1024.0 * 1024 * 1024 * 1024,
            "k" => 1e3, "M" => 1e6, "G" => 1e9, "T" => 1e12, _ => 1,
        };
    }
}
