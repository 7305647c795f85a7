using System.Text.Json;
using System.Text.Json.Serialization;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
using OrleansReco.Gateway.Endpoints;
using OrleansReco.Gateway.Http;
using OrleansReco.Gateway.Security;
using OrleansReco.ServiceDefaults;

namespace OrleansReco.Gateway.Hosting;

/// <summary>
/// Wiring of the HTTP gateway: options, JSON, errors, keys, rate limits, telemetry; then the pipeline and endpoints.
/// How it reaches the grains is added beside it: an Orleans client (<see cref="ClusterConnectionExtensions"/>, the
/// gateway alone) or a silo in the same process (the single-process host, <c>embedded/</c>).
/// </summary>
public static class GatewayHostingExtensions
{
    /// <summary>The OpenTelemetry <c>service.name</c> of the gateway (alone, or with a silo in the single-process host).</summary>
    public const string ServiceName = "orleans-reco-gateway";

    /// <summary>ASP.NET Core's own meters.</summary>
    public static readonly string[] AspNetCoreMeters =
    [
        "Microsoft.AspNetCore.Hosting", "Microsoft.AspNetCore.Server.Kestrel", "Microsoft.AspNetCore.Routing",
        "Microsoft.AspNetCore.Diagnostics", "Microsoft.AspNetCore.RateLimiting",
    ];

    /// <summary>Reads and validates <c>Reco:Gateway</c> (a bad value stops the start with a message naming the key), then adds everything.</summary>
    public static WebApplicationBuilder AddRecoGateway(this WebApplicationBuilder builder)
    {
        var options = ReadValidated(builder.Configuration);
        builder.Services.AddSingleton(Options.Create(options));
        builder.Services.AddSingleton(new ApiKeyStore(options));
        builder.Services.AddSingleton<GatewayMetrics>();
        builder.WebHost.ConfigureKestrel(k => k.Limits.MaxRequestBodySize = options.MaxRequestBytes);
        builder.Services.ConfigureHttpJsonOptions(j =>
        {
            j.SerializerOptions.PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower;
            j.SerializerOptions.DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull;
            j.SerializerOptions.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower));
        });
        builder.Services.AddProblemDetails();
        builder.Services.AddExceptionHandler<GatewayExceptionHandler>();
        builder.Services.AddRecoOpenApi();
        builder.Services.AddRateLimiter(r => ConfigureRateLimits(r, options));
        if (options.JsonLogs) builder.Logging.AddRecoJsonLogs();
        AddTelemetry(builder.Services);
        return builder;
    }

    /// <summary>
    /// The gateway's part of the telemetry (the rest, OTLP included, is <c>AddRecoDefaults</c>): its meter and
    /// ASP.NET Core's, scraped at <c>/metrics</c>, and traces from each HTTP request on; sampling the request activity
    /// is what lets Orleans carry the trace into the grain calls.
    /// </summary>
    private static void AddTelemetry(IServiceCollection services) =>
        services.AddOpenTelemetry()
            .WithMetrics(metrics => metrics
                .AddMeter(GatewayMetrics.MeterName).AddMeter(AspNetCoreMeters)
                .AddPrometheusExporter(p => p.ScrapeResponseCacheDurationMilliseconds = 0))
            .WithTracing(tracing => tracing
                .AddAspNetCoreInstrumentation(a => a.Filter = c => !c.Request.Path.StartsWithSegments("/metrics")));

    /// <summary>Binds <see cref="GatewayOptions"/>, adds <c>RECO_API_KEY</c> as an admin key named <c>env</c>, validates.</summary>
    public static GatewayOptions ReadValidated(IConfiguration configuration) =>
        configuration.ReadValidated<GatewayOptions, GatewayOptionsValidator>(GatewayOptions.Section, options =>
        {
            options.EventIdWindow = configuration.GetValue("Reco:Users:EventIdWindow", options.EventIdWindow);
            options.MaxFutureSkew = configuration.GetValue(GrainInterfaces.Events.EventValidation.MaxFutureSkewKey, options.MaxFutureSkew);
            if (configuration[GatewayOptionsValidator.EnvKeyVariable] is { Length: > 0 } envKey)
                options.ApiKeys.Add(new ApiKeyOptions { Name = "env", Key = envKey, Scopes = ["admin"] });
        });

    /// <summary>The request pipeline: errors, static files, routing, metrics, keys, rate limits.</summary>
    public static WebApplication UseRecoGateway(this WebApplication app)
    {
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        var ui = new Microsoft.Extensions.FileProviders.EmbeddedFileProvider(typeof(GatewayHostingExtensions).Assembly, "ui");
        app.UseDefaultFiles(new DefaultFilesOptions { FileProvider = ui });
        app.UseStaticFiles(new StaticFileOptions { FileProvider = ui });
        app.UseRouting();
        app.UseMiddleware<GatewayMetricsMiddleware>();
        app.UseMiddleware<ApiKeyMiddleware>();
        app.UseRateLimiter();
        return app;
    }

    /// <summary>Every endpoint: the API under <c>/v1</c>, health, metrics, the OpenAPI document and the docs page.</summary>
    public static WebApplication MapRecoEndpoints(this WebApplication app)
    {
        app.MapEventEndpoints();
        app.MapRecommendationEndpoints();
        app.MapItemEndpoints();
        app.MapUserEndpoints();
        app.MapModelEndpoints();
        app.MapHealthEndpoints();
        app.MapDocsEndpoints();
        app.MapOpenApi();
        app.MapPrometheusScrapingEndpoint();
        return app;
    }

    /// <summary>A token bucket per key name (partitioned); requests without a key (health, docs) are not limited.</summary>
    private static void ConfigureRateLimits(RateLimiterOptions r, GatewayOptions options)
    {
        var perKey = options.ApiKeys.ToDictionary(k => k.Name, k => k, StringComparer.Ordinal);
        r.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(context =>
        {
            if (context.Items[ApiKeyMiddleware.KeyNameItem] is not string name) return RateLimitPartition.GetNoLimiter("");
            perKey.TryGetValue(name, out var key);
            int permits = key is { PermitsPerSecond: > 0 } ? key.PermitsPerSecond : options.PermitsPerSecond;
            int burst = key is { Burst: > 0 } ? key.Burst : options.Burst > 0 ? options.Burst : permits;
            return RateLimitPartition.GetTokenBucketLimiter(name, _ => new TokenBucketRateLimiterOptions
            {
                TokenLimit = burst,
                TokensPerPeriod = permits,
                ReplenishmentPeriod = TimeSpan.FromSeconds(1),
                QueueLimit = 0,
                AutoReplenishment = true,
            });
        });
        r.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
        r.OnRejected = async (rejected, _) =>
        {
            var context = rejected.HttpContext;
            string name = context.Items[ApiKeyMiddleware.KeyNameItem] as string ?? "";
            await Problems.WriteTooManyRequests(context, rejected.Lease.TryGetMetadata(MetadataName.RetryAfter, out var retry) ? retry : null,
                $"Key '{name}' is over its rate limit (Reco:Gateway:PermitsPerSecond and Burst, or the key's own); retry later.");
        };
    }
}
