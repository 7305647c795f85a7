using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using OrleansReco.Grains.Telemetry;

namespace OrleansReco.Silo.Hosting;

/// <summary>OpenTelemetry for a silo: meters <c>OrleansReco</c> and <c>Microsoft.Orleans</c>, traces through grain calls.</summary>
public static class TelemetryHostingExtensions
{
    /// <summary>Orleans' own meter.</summary>
    public const string OrleansMeter = "Microsoft.Orleans";

    /// <summary>Activity sources of Orleans grain calls (propagated by <c>AddActivityPropagation</c>).</summary>
    public static readonly string[] OrleansActivitySources = ["Microsoft.Orleans.Runtime", "Microsoft.Orleans.Application"];

    /// <summary>Exports metrics (Prometheus and/or OTLP) and traces (OTLP) as section <c>Reco:Telemetry</c> says; nothing when it is empty.</summary>
    public static IHostApplicationBuilder AddRecoTelemetry(this IHostApplicationBuilder builder)
    {
        var options = builder.Configuration.GetSection(TelemetryOptions.Section).Get<TelemetryOptions>() ?? new TelemetryOptions();
        var result = new TelemetryOptionsValidator().Validate(null, options);
        if (result.Failed)
            throw new OptionsValidationException(TelemetryOptions.Section, typeof(TelemetryOptions), result.Failures);
        if (!options.Enabled) return builder;

        bool otlp = !string.IsNullOrWhiteSpace(options.OtlpEndpoint);
        var telemetry = builder.Services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService("orleans-reco-silo"))
            .WithMetrics(metrics =>
            {
                metrics.AddMeter(RecoMetrics.MeterName, OrleansMeter);
                if (options.PrometheusPort > 0)
                    metrics.AddPrometheusHttpListener(p => { p.Host = options.PrometheusHost; p.Port = options.PrometheusPort; });
                if (otlp) metrics.AddOtlpExporter(o => o.Endpoint = new Uri(options.OtlpEndpoint!));
            });
        if (otlp)
        {
            telemetry.WithTracing(tracing => tracing
                .AddSource(RecoMetrics.MeterName)
                .AddSource(OrleansActivitySources)
                .AddOtlpExporter(o => o.Endpoint = new Uri(options.OtlpEndpoint!)));
        }
        return builder;
    }
}
