using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace OrleansReco.Deploy.Tests;

/// <summary>No secret material in the manifests, and network access limited to who needs it.</summary>
public sealed partial class SecurityManifestTests
{
    [GeneratedRegex("KEY|PASSWORD|SECRET|TOKEN|CREDENTIAL", RegexOptions.IgnoreCase)]
    private static partial Regex SecretName();

    [GeneratedRegex(@"password\s*=", RegexOptions.IgnoreCase)]
    private static partial Regex PasswordInConnectionString();

    [Theory, MemberData(nameof(Kustomize.AllTargets), MemberType = typeof(Kustomize))]
    public void NoSecretMaterial_IsRendered(string target)
    {
        var r = Kustomize.Render(target);
        foreach (var secret in r.OfKind("Secret"))
            Assert.True(secret.Node["data"] is null && secret.Node["stringData"] is null, $"{target}: {secret} carries data; keys belong outside the repository.");
        foreach (var map in r.OfKind("ConfigMap"))
        foreach (var (k, v) in Resource.Map(map.Node["data"]))
        {
            Assert.False(SecretName().IsMatch(LastSegment(k)), $"{target}: {map} holds {k}; secrets go in a Secret.");
            Assert.False(PasswordInConnectionString().IsMatch(v), $"{target}: {map} key {k} has a password in it.");
        }
        foreach (var w in r.Workloads)
        foreach (var c in w.Containers)
        foreach (var e in Resource.Items(c["env"]).OfType<JsonObject>())
        {
            var name = Resource.Str(e, "name")!;
            var literal = Resource.Str(e, "value");
            // The setting's own name is the last segment: Reco__Gateway__ApiKeys__0__Key is a key, ..__Name is not.
            if (SecretName().IsMatch(LastSegment(name)))
                Assert.True(literal is null && e["valueFrom"]?["secretKeyRef"] is JsonObject,
                    $"{target}: {w} env {name} must come from a secretKeyRef, not a literal.");
            Assert.False(literal is not null && PasswordInConnectionString().IsMatch(literal), $"{target}: {w} env {name} has a literal password.");
        }
    }

    [Theory, MemberData(nameof(Kustomize.AllTargets), MemberType = typeof(Kustomize))]
    public void SecretReferences_AreDocumented(string target)
    {
        var r = Kustomize.Render(target);
        var example = Kustomize.Parse(File.ReadAllText(Repo.Path("k8s", "base", "secret.example.yaml"))).Single();
        var exampleKeys = Resource.Map(example.Node["stringData"]).Keys.ToHashSet();
        var operations = File.ReadAllText(Repo.Path("docs", "operations.md"));
        foreach (var w in r.Workloads)
        foreach (var c in w.Containers)
        foreach (var e in Resource.Items(c["env"]).OfType<JsonObject>())
        {
            if (e["valueFrom"]?["secretKeyRef"] is not JsonObject reference) continue;
            var (name, key) = (Resource.Str(reference, "name")!, Resource.Str(reference, "key")!);
            if (name == example.Name)
                Assert.True(exampleKeys.Contains(key), $"{target}: {w} reads {name}/{key}, which secret.example.yaml does not show.");
            else
                Assert.True(operations.Contains(name) && operations.Contains(key), $"{target}: {w} reads Secret {name}/{key}; docs/operations.md must say how to create it.");
        }
    }

    [Theory, MemberData(nameof(Kustomize.AllTargets), MemberType = typeof(Kustomize))]
    public void NetworkPolicies_LetOnlyClusterMembersReachSilosAndRedis(string target)
    {
        var r = Kustomize.Render(target);
        var policies = r.OfKind("NetworkPolicy").ToList();
        Assert.Contains(policies, p => p.Node["spec"]?["podSelector"] is JsonObject { Count: 0 } && p.Node["spec"]?["ingress"] is null);

        var byComponent = r.Workloads.ToDictionary(w => w.Component ?? w.Name, w => w.TemplateLabels);
        var members = new[] { "silo", "trainer", "gateway" };
        AssertOnlyReachableFrom(r, policies, byComponent["silo"], ["11111", "30000"], members.Select(m => byComponent[m]), byComponent.Where(p => !members.Contains(p.Key)).Select(p => p.Value));
        AssertOnlyReachableFrom(r, policies, byComponent["trainer"], ["11111", "30000"], members.Select(m => byComponent[m]), byComponent.Where(p => !members.Contains(p.Key)).Select(p => p.Value));
        if (byComponent.TryGetValue("redis", out var redis))
            AssertOnlyReachableFrom(r, policies, redis, ["6379"], members.Select(m => byComponent[m]), [redis]);
        Assert.True(Allowed(policies, byComponent["gateway"], "8080").Any(peer => peer.ContainsKey("ipBlock") || peer.ContainsKey("namespaceSelector")),
            $"{target}: the gateway must accept 8080 from outside the namespace.");
    }

    private static void AssertOnlyReachableFrom(Rendering r, List<Resource> policies, Dictionary<string, string> pod, string[] ports,
        IEnumerable<Dictionary<string, string>> allowed, IEnumerable<Dictionary<string, string>> denied)
    {
        var who = pod.GetValueOrDefault("app.kubernetes.io/component");
        foreach (var port in ports)
        {
            var peers = Allowed(policies, pod, port).ToList();
            Assert.True(peers.Count > 0, $"{r.Target}: no NetworkPolicy admits anything to {who} port {port}.");
            foreach (var peer in peers)
                Assert.True(peer.Count == 1 && peer.ContainsKey("podSelector"),
                    $"{r.Target}: {who} port {port} is open beyond pods of this namespace: {peer.ToJsonString()}.");
            foreach (var labels in allowed)
                Assert.True(peers.Any(p => Rendering.Selects(p["podSelector"], labels)),
                    $"{r.Target}: {labels.GetValueOrDefault("app.kubernetes.io/component")} cannot reach {who} port {port}.");
            foreach (var labels in denied)
                Assert.False(peers.Any(p => Rendering.Selects(p["podSelector"], labels)),
                    $"{r.Target}: {labels.GetValueOrDefault("app.kubernetes.io/component")} may reach {who} port {port}.");
        }
    }

    /// <summary>The <c>from</c> peers of every ingress rule (of policies selecting <paramref name="pod"/>) that opens <paramref name="port"/>.</summary>
    private static IEnumerable<JsonObject> Allowed(IEnumerable<Resource> policies, Dictionary<string, string> pod, string port) =>
        from p in policies
        where Rendering.Selects(p.Node["spec"]?["podSelector"], pod)
        from rule in Resource.Items(p.Node["spec"]?["ingress"]).OfType<JsonObject>()
        let rulePorts = Resource.Items(rule["ports"]).OfType<JsonObject>().Select(x => Resource.Str(x, "port")).ToList()
        where rulePorts.Count == 0 || rulePorts.Contains(port)
        from peer in rule["from"] is JsonArray peers ? peers.OfType<JsonObject>() : new[] { new JsonObject { ["ipBlock"] = "anywhere" } }
        select peer;

    private static string LastSegment(string name) => name[(name.LastIndexOf("__", StringComparison.Ordinal) is var i and >= 0 ? i + 2 : 0)..];
}
