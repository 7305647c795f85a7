using Microsoft.Extensions.Options;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using OrleansReco.Gateway.Http;
using OrleansReco.Grains.Telemetry;
using OrleansReco.Silo.Hosting;

namespace OrleansReco.Gateway.Hosting;

/// <summary>
/// OpenTelemetry for the gateway: metrics scraped at <c>/metrics</c> (the gateway's meter, ASP.NET Core's, Orleans'
/// and OrleansReco's, which in the embedded mode includes the co-hosted silo), traces from ASP.NET Core through
/// grain calls. OTLP export only when <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> or <c>Reco:Telemetry:OtlpEndpoint</c> is set.
/// </summary>
public static class GatewayTelemetryExtensions
{
    /// <summary>ASP.NET Core's own meters.</summary>
    public static readonly string[] AspNetCoreMeters =
    [
        "Microsoft.AspNetCore.Hosting", "Microsoft.AspNetCore.Server.Kestrel", "Microsoft.AspNetCore.Routing",
        "Microsoft.AspNetCore.Diagnostics", "Microsoft.AspNetCore.RateLimiting",
    ];

    public static WebApplicationBuilder AddGatewayTelemetry(this WebApplicationBuilder builder)
    {
        var options = builder.Configuration.GetSection(TelemetryOptions.Section).Get<TelemetryOptions>() ?? new TelemetryOptions();
        var result = new TelemetryOptionsValidator().Validate(null, options);
        if (result.Failed)
            throw new OptionsValidationException(TelemetryOptions.Section, typeof(TelemetryOptions), result.Failures);
        string? endpoint = string.IsNullOrWhiteSpace(options.OtlpEndpoint) ? null : options.OtlpEndpoint;
        bool otlp = endpoint is not null || !string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]);

        builder.Services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService("orleans-reco-gateway"))
            .WithMetrics(metrics =>
            {
                metrics.AddMeter(GatewayMetrics.MeterName, RecoMetrics.MeterName, TelemetryHostingExtensions.OrleansMeter).AddMeter(AspNetCoreMeters);
                metrics.AddPrometheusExporter(p => p.ScrapeResponseCacheDurationMilliseconds = 0);
                if (otlp) metrics.AddOtlpExporter(o => { if (endpoint is not null) o.Endpoint = new Uri(endpoint); });
            })
            .WithTracing(tracing =>
            {
                // Sampling the request activity is what lets Orleans propagate the trace into grain calls.
                tracing.AddAspNetCoreInstrumentation(a => a.Filter = c => !c.Request.Path.StartsWithSegments("/metrics"))
                    .AddSource(RecoMetrics.MeterName)
                    .AddSource(TelemetryHostingExtensions.OrleansActivitySources);
                if (otlp) tracing.AddOtlpExporter(o => { if (endpoint is not null) o.Endpoint = new Uri(endpoint); });
            });
        return builder;
    }
}
