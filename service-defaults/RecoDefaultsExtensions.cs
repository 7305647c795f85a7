using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace OrleansReco.ServiceDefaults;

/// <summary>
/// The defaults every OrleansReco host starts with (silo, gateway, the single-process host), so that they honour
/// the same settings: <c>Reco:Telemetry</c> (validated), JSON logs, Orleans' meter and activity sources, the runtime's
/// <c>System.Runtime</c> meter, Redis command spans, a Prometheus
/// endpoint of its own on <c>Reco:Telemetry:PrometheusPort</c>, and OTLP export of metrics, traces and logs when
/// <c>Reco:Telemetry:OtlpEndpoint</c> or <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set. Each host adds its own meters and
/// sources with <c>ConfigureOpenTelemetryMeterProvider</c> / <c>ConfigureOpenTelemetryTracerProvider</c>; they apply
/// wherever a pipeline is on. With nothing configured no pipeline is started here (a host that serves
/// <c>/metrics</c> itself, as the gateway does, turns its own on).
/// </summary>
public static class RecoDefaultsExtensions
{
    /// <summary>Orleans' own meter.</summary>
    public const string OrleansMeter = "Microsoft.Orleans";

    /// <summary>The runtime's own meter (GC, heap, thread pool, exceptions, CPU), emitted by .NET 9 and later without a package.</summary>
    public const string RuntimeMeter = "System.Runtime";

    /// <summary>Activity sources of Orleans grain calls (propagated by <c>AddActivityPropagation</c>).</summary>
    public static readonly string[] OrleansActivitySources = ["Microsoft.Orleans.Runtime", "Microsoft.Orleans.Application"];

    /// <summary>Adds the defaults; <paramref name="serviceName"/> is the OpenTelemetry <c>service.name</c>.</summary>
    public static TBuilder AddRecoDefaults<TBuilder>(this TBuilder builder, string serviceName) where TBuilder : IHostApplicationBuilder
    {
        var options = builder.Configuration.ReadValidated<TelemetryOptions, TelemetryOptionsValidator>(TelemetryOptions.Section);
        if (options.JsonLogs) builder.Logging.AddRecoJsonLogs();

        var telemetry = builder.Services.AddOpenTelemetry().ConfigureResource(r => r.AddService(serviceName));
        builder.Services.ConfigureOpenTelemetryMeterProvider(metrics => metrics.AddMeter(OrleansMeter, RuntimeMeter));
        // Redis command spans for the process's own IConnectionMultiplexer, when it registers one (silos with the Redis
        // provider: the event stream and archive); the Orleans providers' connections are their own and not traced.
        builder.Services.ConfigureOpenTelemetryTracerProvider(tracing => tracing.AddSource(OrleansActivitySources).AddRedisInstrumentation());
        if (options.PrometheusPort > 0)
            telemetry.WithMetrics(metrics => metrics.AddPrometheusHttpListener(p => { p.Host = options.PrometheusHost; p.Port = options.PrometheusPort; }));

        if (!string.IsNullOrWhiteSpace(options.OtlpEndpoint))
            telemetry.WithLogging(configureBuilder: null, configureOptions: IncludeMessageAndScopes).UseOtlpExporter(OtlpExportProtocol.Grpc, new Uri(options.OtlpEndpoint));
        else if (!string.IsNullOrWhiteSpace(builder.Configuration[TelemetryOptions.OtlpEndpointVariable]))
            telemetry.WithLogging(configureBuilder: null, configureOptions: IncludeMessageAndScopes).UseOtlpExporter(); // endpoint and protocol from the OTEL_EXPORTER_OTLP_* variables
        return builder;
    }

    /// <summary>
    /// Whether the host's grain calls carry trace context: <c>Reco:Telemetry:TraceGrainCalls</c>, or by default
    /// whether traces are exported (<see cref="TelemetryOptions.TracesGrainCalls"/>).
    /// </summary>
    public static bool TracesGrainCalls(Microsoft.Extensions.Configuration.IConfiguration configuration) =>
        configuration.ReadValidated<TelemetryOptions, TelemetryOptionsValidator>(TelemetryOptions.Section)
            .TracesGrainCalls(configuration[TelemetryOptions.OtlpEndpointVariable]);

    /// <summary>Console logs as JSON lines (one object per entry, scopes included) instead of text.</summary>
    public static ILoggingBuilder AddRecoJsonLogs(this ILoggingBuilder logging) => logging.AddJsonConsole(j => j.IncludeScopes = true);

    private static void IncludeMessageAndScopes(OpenTelemetry.Logs.OpenTelemetryLoggerOptions o)
    {
        o.IncludeFormattedMessage = true;
        o.IncludeScopes = true;
    }
}
