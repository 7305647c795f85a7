using System.Text.Json;
using System.Text.Json.Serialization;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;
using OrleansReco.Gateway.Endpoints;
using OrleansReco.Gateway.Http;
using OrleansReco.Gateway.Security;

namespace OrleansReco.Gateway.Hosting;

/// <summary>Wiring of the HTTP gateway: options, JSON, errors, keys, rate limits, the cluster, telemetry; then the pipeline and endpoints.</summary>
public static class GatewayHostingExtensions
{
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
        builder.Services.AddOpenApi();
        builder.Services.AddRateLimiter(r => ConfigureRateLimits(r, options));
        if (options.JsonLogs)
        {
            builder.Logging.ClearProviders();
            builder.Logging.AddJsonConsole(j => j.IncludeScopes = true);
        }
        builder.AddRecoCluster(options);
        builder.AddGatewayTelemetry();
        return builder;
    }

    /// <summary>Binds <see cref="GatewayOptions"/>, adds <c>RECO_API_KEY</c> as an admin key named <c>env</c>, validates.</summary>
    public static GatewayOptions ReadValidated(IConfiguration configuration)
    {
        var options = configuration.GetSection(GatewayOptions.Section).Get<GatewayOptions>() ?? new GatewayOptions();
        options.EventIdWindow = configuration.GetValue("Reco:Users:EventIdWindow", options.EventIdWindow);
        options.MaxFutureSkew = configuration.GetValue(GrainInterfaces.Events.EventValidation.MaxFutureSkewKey, options.MaxFutureSkew);
        if (configuration[GatewayOptionsValidator.EnvKeyVariable] is { Length: > 0 } envKey)
            options.ApiKeys.Add(new ApiKeyOptions { Name = "env", Key = envKey, Scopes = ["admin"] });
        var result = new GatewayOptionsValidator().Validate(null, options);
        if (result.Failed)
            throw new OptionsValidationException(GatewayOptions.Section, typeof(GatewayOptions), result.Failures);
        return options;
    }

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

    /// <summary>
    /// The whole gateway as <c>Program</c> builds it, with <paramref name="configure"/> applied to the builder first
    /// (extra configuration, URLs): used by hosts that embed the gateway, such as <c>reco demo</c>.
    /// </summary>
    public static WebApplication Create(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateBuilder(args);
        configure?.Invoke(builder);
        builder.AddRecoGateway();
        var app = builder.Build();
        app.UseRecoGateway();
        app.MapRecoEndpoints();
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
