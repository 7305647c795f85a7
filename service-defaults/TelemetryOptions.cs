using Microsoft.Extensions.Options;

namespace OrleansReco.ServiceDefaults;

/// <summary>Where a host's metrics, traces and logs go. Bound from section <c>Reco:Telemetry</c>; exports are off by default.</summary>
public sealed class TelemetryOptions
{
    public const string Section = "Reco:Telemetry";

    /// <summary>The standard OpenTelemetry variable; honoured like <see cref="OtlpEndpoint"/>, which wins when both are set.</summary>
    public const string OtlpEndpointVariable = "OTEL_EXPORTER_OTLP_ENDPOINT";

    /// <summary>Port of a Prometheus scrape endpoint (<c>/metrics</c>) of its own; 0 turns it off.</summary>
    public int PrometheusPort { get; set; }

    /// <summary>Host name the Prometheus endpoint listens on (<c>localhost</c>; <c>*</c> for every interface, e.g. in a pod).</summary>
    public string PrometheusHost { get; set; } = "localhost";

    /// <summary>OTLP collector endpoint over gRPC (e.g. <c>http://otel-collector:4317</c>) for metrics, traces and logs; empty turns it off.</summary>
    public string? OtlpEndpoint { get; set; }

    /// <summary>Logs as JSON lines (one object per entry) instead of text.</summary>
    public bool JsonLogs { get; set; }

    /// <summary>
    /// Trace context through grain calls (Orleans' activity propagation, a span per call). Unset (default): on when
    /// traces are exported (<see cref="OtlpEndpoint"/> or <see cref="OtlpEndpointVariable"/> set), off otherwise, as
    /// the filter costs every grain call about 1 KB of allocations even when nothing listens.
    /// </summary>
    public bool? TraceGrainCalls { get; set; }

    /// <summary>Whether grain calls carry trace context in a host with this configuration (see <see cref="TraceGrainCalls"/>).</summary>
    public bool TracesGrainCalls(string? otlpEndpointVariable) =>
        TraceGrainCalls ?? (!string.IsNullOrWhiteSpace(OtlpEndpoint) || !string.IsNullOrWhiteSpace(otlpEndpointVariable));
}

public sealed class TelemetryOptionsValidator : IValidateOptions<TelemetryOptions>
{
    public ValidateOptionsResult Validate(string? name, TelemetryOptions o)
    {
        var failures = new List<string>();
        if (o.PrometheusPort is < 0 or > 65535)
            failures.Add($"Reco:Telemetry:PrometheusPort (env Reco__Telemetry__PrometheusPort) must be 0 (off) or a TCP port, not {o.PrometheusPort}.");
        if (!string.IsNullOrWhiteSpace(o.OtlpEndpoint)
            && !(Uri.TryCreate(o.OtlpEndpoint, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps)))
            failures.Add($"Reco:Telemetry:OtlpEndpoint (env Reco__Telemetry__OtlpEndpoint) must be an http(s) URI such as http://collector:4317, not '{o.OtlpEndpoint}'.");
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
