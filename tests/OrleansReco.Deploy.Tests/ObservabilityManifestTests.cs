using System.Globalization;
using System.Text.Json.Nodes;

namespace OrleansReco.Deploy.Tests;

/// <summary>Health probes over HTTP, and metrics scraped from ports that the public routes do not reach.</summary>
public sealed class ObservabilityManifestTests
{
    [Theory, MemberData(nameof(Kustomize.AllTargets), MemberType = typeof(Kustomize))]
    public void SilosTrainerAndGateway_ProbeHealthzAndReadyzOverHttp(string target)
    {
        var r = Kustomize.Render(target);
        foreach (var name in new[] { "silo", "trainer", "gateway" })
        {
            var w = r.Workload(name);
            var c = w.Containers.Single();
            foreach (var (probe, path) in new[] { ("livenessProbe", "/healthz"), ("readinessProbe", "/readyz") })
            {
                var get = c[probe]?["httpGet"];
                Assert.True(get is JsonObject, $"{target}: {w} {probe} is not an httpGet probe.");
                Assert.Equal(path, Resource.Str(get, "path"));
                Assert.Equal("http", Resource.Str(get, "port"));
            }
            if (c["startupProbe"] is JsonObject startup)
                Assert.Equal("/healthz", Resource.Str(startup["httpGet"], "path"));
        }
    }

    [Theory, MemberData(nameof(Kustomize.AllTargets), MemberType = typeof(Kustomize))]
    public void SiloHttpPort_IsTheConfiguredOne_AndScraped(string target)
    {
        var r = Kustomize.Render(target);
        foreach (var name in new[] { "silo", "trainer" })
        {
            var w = r.Workload(name);
            var c = w.Containers.Single();
            string? port = Rendering.NamedPort(c, "http")?.ToString(CultureInfo.InvariantCulture);
            Assert.NotNull(port);
            Assert.Equal(port, r.Env(c, "Reco__Silo__HttpPort"));
            Assert.Equal(port, w.TemplateAnnotations.GetValueOrDefault("prometheus.io/port"));
        }
    }

    [Theory, MemberData(nameof(Kustomize.AllTargets), MemberType = typeof(Kustomize))]
    public void GatewayMetrics_AreOnTheManagementPort_WhichNoServiceOrIngressRoutes(string target)
    {
        var r = Kustomize.Render(target);
        var gateway = r.Workload("gateway");
        var c = gateway.Containers.Single();
        int? metrics = Rendering.NamedPort(c, "metrics");
        int? api = Rendering.NamedPort(c, "http");
        Assert.True(metrics is not null && api is not null && metrics != api, $"{target}: the gateway needs distinct ports named http and metrics.");
        Assert.Equal(metrics.Value.ToString(CultureInfo.InvariantCulture), r.Env(c, "Reco__Gateway__ManagementPort"));
        Assert.Equal(metrics.Value.ToString(CultureInfo.InvariantCulture), gateway.TemplateAnnotations.GetValueOrDefault("prometheus.io/port"));

        // Every Service in front of the gateway pods, and every Ingress backend, ends on the API port only.
        var metricsKeys = new HashSet<string>(StringComparer.Ordinal) { "metrics", metrics.Value.ToString(CultureInfo.InvariantCulture) };
        var services = r.OfKind("Service").Where(s => Rendering.Selects(s.Node["spec"]?["selector"], gateway.TemplateLabels)).ToList();
        Assert.NotEmpty(services);
        foreach (var service in services)
        foreach (var port in Resource.Items(service.Node["spec"]?["ports"]).OfType<JsonObject>())
        {
            string targetPort = Resource.Str(port, "targetPort") ?? Resource.Str(port, "port")!;
            Assert.False(metricsKeys.Contains(targetPort), $"{target}: {service} routes to the gateway's metrics port ({targetPort}).");
        }
        var ingresses = r.OfKind("Ingress").ToList();
        Assert.NotEmpty(ingresses);
        foreach (var ingress in ingresses)
        foreach (var backend in Backends(ingress.Node["spec"]))
        {
            var service = r.Find("Service", Resource.Str(backend, "name") ?? "");
            Assert.True(service is not null, $"{target}: {ingress} routes to a Service that is not rendered.");
            string? byName = Resource.Str(backend["port"], "name"), byNumber = Resource.Str(backend["port"], "number");
            var port = Resource.Items(service.Node["spec"]?["ports"]).OfType<JsonObject>()
                .Single(p => byName is not null ? Resource.Str(p, "name") == byName : Resource.Str(p, "port") == byNumber);
            string targetPort = Resource.Str(port, "targetPort") ?? Resource.Str(port, "port")!;
            Assert.False(metricsKeys.Contains(targetPort), $"{target}: {ingress} reaches the gateway's metrics port through {service}.");
            Assert.True(targetPort == "http" || targetPort == api.Value.ToString(CultureInfo.InvariantCulture),
                $"{target}: {ingress} should reach the gateway's API port, not '{targetPort}'.");
        }
    }

    [Theory]
    [InlineData("k8s/overlays/prod")]
    [InlineData("k8s/overlays/prod-external-redis")]
    public void ProdOverlays_CarryTheAlertRulesAndTheGrafanaDashboard(string target)
    {
        var r = Kustomize.Render(target);
        var rule = r.OfKind("PrometheusRule").SingleOrDefault();
        Assert.True(rule is not null, $"{target}: no PrometheusRule rendered (components/monitoring).");
        Assert.Equal("monitoring.coreos.com/v1", Resource.Str(rule.Node, "apiVersion"));
        Assert.Equal("orleans-reco", rule.Namespace);
        var alerts = Resource.Items(rule.Node["spec"]?["groups"]).SelectMany(g => Resource.Items(g?["rules"])).OfType<JsonObject>().ToList();
        Assert.All(alerts, a => Assert.False(string.IsNullOrWhiteSpace(Resource.Str(a, "expr")), $"{target}: alert {Resource.Str(a, "alert")} has no expr."));
        Assert.All(alerts, a => Assert.False(string.IsNullOrWhiteSpace(Resource.Str(a["labels"], "severity")), $"{target}: alert {Resource.Str(a, "alert")} has no severity."));
        var names = alerts.Select(a => Resource.Str(a, "alert")).ToHashSet();
        foreach (var expected in new[] { "RecoRecommendLatencyP99High", "RecoStreamLagHigh", "RecoDeadLettersGrowing", "RecoTrainingFailed", "RecoRedisDown", "RecoGatewayErrors" })
            Assert.Contains(expected, names);

        var map = r.Find("ConfigMap", "orleans-reco-dashboard");
        Assert.True(map is not null, $"{target}: no ConfigMap orleans-reco-dashboard.");
        Assert.Equal("1", Resource.Map(map.Node["metadata"]?["labels"]).GetValueOrDefault("grafana_dashboard"));
        var dashboard = JsonNode.Parse(Resource.Map(map.Node["data"])["orleans-reco-dashboard.json"])!;
        var titles = Resource.Items(dashboard["panels"]).Select(p => Resource.Str(p, "title") ?? "").ToList();
        foreach (var expected in new[] { "Ingest rate", "Recommendation latency", "Shard sizes", "Model version per silo", "Training runs", "Event stream lag" })
            Assert.Contains(titles, t => t.StartsWith(expected, StringComparison.Ordinal));
    }

    /// <summary>A PrometheusRule needs the Prometheus Operator's CRD, which a dev cluster may lack: only prod includes it.</summary>
    [Fact]
    public void BaseAndDev_LeaveMonitoringOut()
    {
        foreach (var target in new[] { "k8s/base", "k8s/overlays/dev" })
            Assert.Empty(Kustomize.Render(target).OfKind("PrometheusRule"));
    }

    /// <summary>The service backends of an Ingress: the default one and every path's.</summary>
    private static IEnumerable<JsonObject> Backends(JsonNode? spec)
    {
        if (spec?["defaultBackend"]?["service"] is JsonObject fallback) yield return fallback;
        foreach (var rule in Resource.Items(spec?["rules"]))
        foreach (var path in Resource.Items(rule?["http"]?["paths"]))
            if (path?["backend"]?["service"] is JsonObject service) yield return service;
    }
}
