using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using OpenTelemetry.Metrics;
using OrleansReco.ServiceDefaults;
using IServer = Microsoft.AspNetCore.Hosting.Server.IServer;
using IConnectionMultiplexer = StackExchange.Redis.IConnectionMultiplexer;

namespace OrleansReco.Silo.Hosting;

/// <summary>
/// The silo's HTTP port (<see cref="SiloHttpOptions"/>): <c>/healthz</c> answers while the process is up,
/// <c>/readyz</c> once the silo is active in the membership table and, with the Redis provider, Redis answers a PING
/// (503 naming the failing check otherwise), and <c>/metrics</c> in Prometheus' text format. Nothing else is served there.
/// </summary>
public static class SiloHttpExtensions
{
    /// <summary>Tag of the checks <c>/readyz</c> runs.</summary>
    public const string ReadyTag = "ready";

    private static readonly TimeSpan RedisCheckTimeout = TimeSpan.FromSeconds(3);

    /// <summary>Listens on <c>Reco:Silo:HttpPort</c> alone (no other URL applies to a silo) and adds the checks and the exporter.</summary>
    public static WebApplicationBuilder AddRecoSiloHttp(this WebApplicationBuilder builder)
    {
        var http = builder.Configuration.ReadValidated<SiloHttpOptions, SiloHttpOptionsValidator>(SiloHttpOptions.Section);
        builder.Services.AddSingleton(Microsoft.Extensions.Options.Options.Create(http));
        if (http.HttpPort == 0)
        {
            builder.Services.AddSingleton<IServer, NoServer>();
            return builder;
        }
        builder.WebHost.UseUrls($"http://{http.HttpHost}:{http.HttpPort}");
        var checks = builder.Services.AddHealthChecks().AddCheck<SiloActiveHealthCheck>("silo", tags: [ReadyTag]);
        if (SiloHostingExtensions.ReadValidated(builder.Configuration).IsRedis)
            checks.AddRedis(sp => sp.GetRequiredService<IConnectionMultiplexer>(), "redis", tags: [ReadyTag], timeout: RedisCheckTimeout);
        builder.Services.AddOpenTelemetry().WithMetrics(metrics => metrics.AddPrometheusExporter(p => p.ScrapeResponseCacheDurationMilliseconds = 0));
        return builder;
    }

    /// <summary>Maps the three endpoints when the port is on.</summary>
    public static WebApplication MapRecoSiloHttp(this WebApplication app)
    {
        if (app.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<SiloHttpOptions>>().Value.HttpPort == 0) return app;
        app.MapHealthChecks("/healthz", new HealthCheckOptions { Predicate = _ => false });
        app.MapHealthChecks("/readyz", new HealthCheckOptions { Predicate = c => c.Tags.Contains(ReadyTag), ResponseWriter = WriteReport });
        app.MapPrometheusScrapingEndpoint();
        return app;
    }

    /// <summary>The overall status, then one line per check with its status and, when it failed, why.</summary>
    private static Task WriteReport(Microsoft.AspNetCore.Http.HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "text/plain; charset=utf-8";
        var text = new System.Text.StringBuilder().Append(report.Status).Append('\n');
        foreach (var (name, entry) in report.Entries)
        {
            text.Append(name).Append(": ").Append(entry.Status);
            if (entry.Description is { Length: > 0 } description) text.Append(" (").Append(description).Append(')');
            else if (entry.Exception is { } e) text.Append(" (").Append(e.GetType().Name).Append(": ").Append(e.Message).Append(')');
            text.Append('\n');
        }
        return Microsoft.AspNetCore.Http.HttpResponseWritingExtensions.WriteAsync(context.Response, text.ToString());
    }

    /// <summary>Stands in for Kestrel when the port is off: the host runs with no HTTP listener.</summary>
    private sealed class NoServer : IServer
    {
        public IFeatureCollection Features { get; } = new FeatureCollection();
        public Task StartAsync<TContext>(IHttpApplication<TContext> application, CancellationToken cancellationToken) where TContext : notnull => Task.CompletedTask;
        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
        public void Dispose() { }
    }
}

/// <summary>Healthy once this silo is <c>Active</c> in the cluster's membership table (it has joined); unhealthy before and while it leaves.</summary>
public sealed class SiloActiveHealthCheck(ILocalSiloDetails silo, IClusterMembershipService membership) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var status = membership.CurrentSnapshot.GetSiloStatus(silo.SiloAddress);
        return Task.FromResult(status == SiloStatus.Active
            ? HealthCheckResult.Healthy($"silo {silo.SiloAddress} is active")
            : HealthCheckResult.Unhealthy($"silo {silo.SiloAddress} is {status} in the membership table, not Active"));
    }
}
