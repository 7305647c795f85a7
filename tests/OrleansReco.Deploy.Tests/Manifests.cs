using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using YamlDotNet.RepresentationModel;

namespace OrleansReco.Deploy.Tests;

/// <summary>One rendered Kubernetes object. Scalars are kept as strings, as YAML gives them.</summary>
internal sealed record Resource(JsonObject Node)
{
    public string Kind => Str(Node, "kind") ?? "";
    public string Name => Str(Node["metadata"], "name") ?? "";
    public string? Namespace => Str(Node["metadata"], "namespace");
    public override string ToString() => $"{Kind}/{Name}";

    public bool IsWorkload => Kind is "Deployment" or "StatefulSet" or "DaemonSet";
    public JsonObject? Template => Node["spec"]?["template"] as JsonObject;
    public JsonObject? PodSpec => Template?["spec"] as JsonObject;
    public Dictionary<string, string> TemplateLabels => Map(Template?["metadata"]?["labels"]);
    public Dictionary<string, string> TemplateAnnotations => Map(Template?["metadata"]?["annotations"]);
    public string? Component => TemplateLabels.GetValueOrDefault("app.kubernetes.io/component");

    public IEnumerable<JsonObject> Containers =>
        Items(PodSpec?["containers"]).Concat(Items(PodSpec?["initContainers"])).OfType<JsonObject>();

    public static string? Str(JsonNode? node, string key) => node is JsonObject o && o[key] is JsonValue v ? v.ToString() : null;

    public static IEnumerable<JsonNode?> Items(JsonNode? node) => node is JsonArray a ? a : [];

    public static Dictionary<string, string> Map(JsonNode? node) =>
        node is JsonObject o ? o.ToDictionary(p => p.Key, p => p.Value?.ToString() ?? "") : [];
}

/// <summary>A value a container sees in its environment: a literal, or a reference (secret, field, config map key).</summary>
internal sealed record EnvValue(string Name, string? Literal, JsonObject? ValueFrom, string Source);

/// <summary>The objects one kustomization renders to, with lookups the invariant tests share.</summary>
internal sealed class Rendering(string target, IReadOnlyList<Resource> resources)
{
    public string Target { get; } = target;
    public IReadOnlyList<Resource> All { get; } = resources;
    public IEnumerable<Resource> OfKind(string kind) => All.Where(r => r.Kind == kind);
    public IEnumerable<Resource> Workloads => All.Where(r => r.IsWorkload);
    public Resource? Find(string kind, string name) => All.FirstOrDefault(r => r.Kind == kind && r.Name == name);
    public Resource Workload(string name) =>
        Workloads.SingleOrDefault(r => r.Name == name) ?? throw new Xunit.Sdk.XunitException($"{Target}: no workload named {name}.");

    /// <summary>
    /// The container's environment as Kubernetes builds it: <c>envFrom</c> config maps first, then <c>env</c>,
    /// later entries winning.
    /// </summary>
    public Dictionary<string, EnvValue> Environment(JsonObject container)
    {
        var env = new Dictionary<string, EnvValue>(StringComparer.Ordinal);
        foreach (var from in Resource.Items(container["envFrom"]).OfType<JsonObject>())
        {
            var mapName = Resource.Str(from["configMapRef"], "name");
            if (mapName is null) continue;
            var map = Find("ConfigMap", mapName) ?? throw new Xunit.Sdk.XunitException($"{Target}: envFrom names ConfigMap {mapName}, which is not rendered.");
            foreach (var (k, v) in Resource.Map(map.Node["data"])) env[k] = new EnvValue(k, v, null, $"ConfigMap {mapName}");
        }
        foreach (var e in Resource.Items(container["env"]).OfType<JsonObject>())
        {
            var name = Resource.Str(e, "name")!;
            env[name] = new EnvValue(name, Resource.Str(e, "value"), e["valueFrom"] as JsonObject, "env");
        }
        return env;
    }

    public string? Env(JsonObject container, string name) => Environment(container).GetValueOrDefault(name)?.Literal;

    /// <summary>Container ports by name and number (as strings), for resolving probe and service ports.</summary>
    public static HashSet<string> PortKeys(JsonObject container)
    {
        var keys = new HashSet<string>(StringComparer.Ordinal);
        foreach (var p in Resource.Items(container["ports"]).OfType<JsonObject>())
        {
            if (Resource.Str(p, "name") is { } n) keys.Add(n);
            if (Resource.Str(p, "containerPort") is { } c) keys.Add(c);
        }
        return keys;
    }

    public static int? NamedPort(JsonObject container, string name) =>
        Resource.Items(container["ports"]).OfType<JsonObject>()
            .Where(p => Resource.Str(p, "name") == name)
            .Select(p => (int?)int.Parse(Resource.Str(p, "containerPort")!))
            .FirstOrDefault();

    /// <summary>Whether a label selector (matchLabels and matchExpressions, or a plain map for Services) selects these labels.</summary>
    public static bool Selects(JsonNode? selector, IReadOnlyDictionary<string, string> labels)
    {
        if (selector is not JsonObject s) return false;
        bool structured = s.ContainsKey("matchLabels") || s.ContainsKey("matchExpressions");
        var matchLabels = structured ? Resource.Map(s["matchLabels"]) : Resource.Map(s);
        foreach (var (k, v) in matchLabels)
            if (!labels.TryGetValue(k, out var actual) || actual != v) return false;
        foreach (var e in Resource.Items(s["matchExpressions"]).OfType<JsonObject>())
        {
            var key = Resource.Str(e, "key")!;
            var values = Resource.Items(e["values"]).Select(v => v!.ToString()).ToHashSet();
            bool has = labels.TryGetValue(key, out var value);
            bool ok = Resource.Str(e, "operator") switch
            {
                "In" => has && values.Contains(value!),
                "NotIn" => !has || !values.Contains(value!),
                "Exists" => has,
                "DoesNotExist" => !has,
                var op => throw new Xunit.Sdk.XunitException($"Unknown selector operator {op}."),
            };
            if (!ok) return false;
        }
        return true;
    }
}

/// <summary>Renders kustomizations with <c>kubectl kustomize</c> (once per target per test run) and parses the YAML.</summary>
internal static class Kustomize
{
    /// <summary>The targets every invariant is checked on: the base and each overlay.</summary>
    public static readonly string[] Targets = ["k8s/base", "k8s/overlays/dev", "k8s/overlays/prod", "k8s/overlays/prod-external-redis"];

    public static TheoryData<string> AllTargets => new(Targets);

    private static readonly ConcurrentDictionary<string, Lazy<Rendering>> Cache = new();

    public static Rendering Render(string target) => Cache.GetOrAdd(target, t => new Lazy<Rendering>(() => RenderNow(t))).Value;

    private static Rendering RenderNow(string target)
    {
        var (code, stdout, stderr) = Tools.Run(Tools.Kubectl, "kustomize", Repo.Path(target));
        if (code != 0) throw new Xunit.Sdk.XunitException($"kubectl kustomize {target} failed ({code}): {stderr}");
        if (stderr.Contains("Warning", StringComparison.OrdinalIgnoreCase))
            throw new Xunit.Sdk.XunitException($"kubectl kustomize {target} warned (deprecated field?): {stderr}");
        return new Rendering(target, Parse(stdout));
    }

    public static List<Resource> Parse(string yaml)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(yaml));
        return stream.Documents
            .Select(d => ToJson(d.RootNode))
            .OfType<JsonObject>()
            .Select(o => new Resource(o))
            .ToList();
    }

    private static JsonNode? ToJson(YamlNode node) => node switch
    {
        YamlMappingNode map => new JsonObject(map.Children.Select(c => KeyValuePair.Create(((YamlScalarNode)c.Key).Value!, ToJson(c.Value)))),
        YamlSequenceNode seq => new JsonArray(seq.Children.Select(ToJson).ToArray()),
        YamlScalarNode { Value: null } => null,
        YamlScalarNode { Style: YamlDotNet.Core.ScalarStyle.Plain, Value: "null" or "~" or "" } => null,
        YamlScalarNode scalar => JsonValue.Create(scalar.Value),
        _ => throw new NotSupportedException(node.GetType().Name),
    };
}
