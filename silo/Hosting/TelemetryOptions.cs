using Microsoft.Extensions.Options;

namespace OrleansReco.Silo.Hosting;

/// <summary>Where the silo's metrics and traces go. Bound from section <c>Reco:Telemetry</c>; everything is off by default.</summary>
public sealed class TelemetryOptions
{
    public const string Section = "Reco:Telemetry";

    /// <summary>Port of a Prometheus scrape endpoint (<c>/metrics</c>); 0 turns it off.</summary>
    public int PrometheusPort { get; set; }

    /// <summary>Host name the Prometheus endpoint listens on (<c>localhost</c>; <c>*</c> for every interface, e.g. in a pod).</summary>
    public string PrometheusHost { get; set; } = "localhost";

    /// <summary>OTLP collector endpoint (e.g. <c>http://otel-collector:4317</c>) for metrics and traces; empty turns it off.</summary>
    public string? OtlpEndpoint { get; set; }

    public bool Enabled => PrometheusPort > 0 || !string.IsNullOrWhiteSpace(OtlpEndpoint);
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
