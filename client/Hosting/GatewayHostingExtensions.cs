using System.Text.Json;
using System.Text.Json.Serialization;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.DependencyInjection.Extensions;
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
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<DashboardSessions>();
        builder.Services.AddSingleton<GatewayMetrics>();
        builder.WebHost.ConfigureKestrel(k => k.Limits.MaxRequestBodySize = options.MaxRequestBytes);
        if (options.ManagementPort > 0) ListenAlsoOn(builder, options.ManagementHost, options.ManagementPort);
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

    /// <summary>
    /// Adds <c>http://<paramref name="host"/>:<paramref name="port"/></c> to the addresses Kestrel listens on, keeping the configured ones
    /// (<c>ASPNETCORE_URLS</c>, or else <c>ASPNETCORE_HTTP_PORTS</c> / <c>HTTPS_PORTS</c>, or else Kestrel's default).
    /// </summary>
    private static void ListenAlsoOn(WebApplicationBuilder builder, string host, int port)
    {
        var urls = new List<string>();
        if (builder.WebHost.GetSetting(WebHostDefaults.ServerUrlsKey) is { Length: > 0 } configured)
            urls.AddRange(configured.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        else
        {
            foreach (var (key, scheme) in new[] { (WebHostDefaults.HttpPortsKey, "http"), (WebHostDefaults.HttpsPortsKey, "https") })
                foreach (var p in (builder.WebHost.GetSetting(key) ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                    urls.Add($"{scheme}://*:{p}");
            if (urls.Count == 0) urls.Add("http://localhost:5000");
        }
        urls.Add($"http://{host}:{port}");
        builder.WebHost.UseUrls([.. urls]);
    }

    /// <summary>
    /// A key the gateway read once and no longer does: JSON logs are <c>Reco:Telemetry:JsonLogs</c>, read by
    /// <c>AddRecoDefaults</c> in every host, so that gateway and silo honour the same telemetry settings.
    /// </summary>
    public const string RetiredJsonLogsKey = "Reco:Gateway:JsonLogs";

    /// <summary>Binds <see cref="GatewayOptions"/>, adds <c>RECO_API_KEY</c> as an admin key named <c>env</c>, validates.</summary>
    public static GatewayOptions ReadValidated(IConfiguration configuration)
    {
        // Refused rather than ignored: a deployment that set it would otherwise lose its JSON logs without a word.
        if (configuration[RetiredJsonLogsKey] is { Length: > 0 })
            throw new OptionsValidationException(GatewayOptions.Section, typeof(GatewayOptions),
                [$"{RetiredJsonLogsKey} (env Reco__Gateway__JsonLogs) is no longer read; set {TelemetryOptions.Section}:JsonLogs "
                 + "(env Reco__Telemetry__JsonLogs), the JSON-logs setting of every host (gateway, silo, single-process host)."]);
        return configuration.ReadValidated<GatewayOptions, GatewayOptionsValidator>(GatewayOptions.Section, options =>
        {
            options.EventIdWindow = configuration.GetValue("Reco:Users:EventIdWindow", options.EventIdWindow);
            options.MaxFutureSkew = configuration.GetValue(GrainInterfaces.Events.EventValidation.MaxFutureSkewKey, options.MaxFutureSkew);
            if (configuration[GatewayOptionsValidator.EnvKeyVariable] is { Length: > 0 } envKey)
                options.ApiKeys.Add(new ApiKeyOptions { Name = "env", Key = envKey, Scopes = ["admin"] });
        });
    }

    /// <summary>
    /// The request pipeline: the management port first (<c>/metrics</c>, 404 for anything else there), then errors,
    /// static files, routing, metrics, keys, rate limits.
    /// </summary>
    public static WebApplication UseRecoGateway(this WebApplication app)
    {
        int management = app.Services.GetRequiredService<IOptions<GatewayOptions>>().Value.ManagementPort;
        if (management > 0)
        {
            // By the port the connection arrived on (not the Host header, which a client chooses).
            app.UseOpenTelemetryPrometheusScrapingEndpoint(c => c.Connection.LocalPort == management && c.Request.Path == "/metrics");
            app.MapWhen(c => c.Connection.LocalPort == management, other => other.Run(c =>
            {
                c.Response.StatusCode = StatusCodes.Status404NotFound;
                return Task.CompletedTask;
            }));
        }
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

    /// <summary>Every endpoint: the API under <c>/v1</c>, health, the OpenAPI document and the docs page (<c>/metrics</c> is on the management port).</summary>
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
        if (app.Configuration.GetSection(ClusterConnectionOptions.Section).GetValue<bool>(nameof(ClusterConnectionOptions.Dashboard)))
            app.MapDashboardEndpoints();
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
