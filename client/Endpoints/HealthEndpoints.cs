using OrleansReco.GrainInterfaces;
using OrleansReco.Gateway.Http;

namespace OrleansReco.Gateway.Endpoints;

/// <summary>
/// <c>/healthz</c>: the process is up. <c>/readyz</c>: the cluster answers and a model is loaded (the registry has a
/// current version, or a shard answers with a model loaded from <c>Reco:Model:Path</c>); 503 with the reason otherwise.
/// </summary>
public static class HealthEndpoints
{
    public static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(5);

    public static IEndpointRouteBuilder MapHealthEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/healthz", () => Results.Text("Healthy")).WithTags("health").WithSummary("Liveness").ExcludeFromDescription();
        app.MapGet("/v1/info", () => Results.Ok(new { name = "OrleansReco", version = typeof(HealthEndpoints).Assembly.GetName().Version?.ToString(3) }))
            .WithTags("health").WithSummary("Name and version (no key needed)");
        app.MapGet("/readyz", ReadyAsync).WithTags("health").WithSummary("Readiness: cluster reachable and a model loaded").ExcludeFromDescription();
        return app;
    }

    private static async Task<IResult> ReadyAsync(IGrainFactory grains)
    {
        string? version;
        try
        {
            version = (await grains.Registry().GetCurrentAsync().WaitAsync(ProbeTimeout))?.Version;
            if (version is null)
            {
                var stats = await grains.Shard(ItemSharding.DefaultCatalog, 0).GetStatsAsync().WaitAsync(ProbeTimeout);
                version = string.IsNullOrEmpty(stats.ModelVersion) ? null : stats.ModelVersion;
            }
        }
        catch (ModelUnavailableException)
        {
            version = null;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return NotReady($"The cluster did not answer: {e.GetType().Name}: {e.Message}");
        }
        return version is null
            ? NotReady("No model is loaded: publish one (reco train, then the registry) or set Reco:Model:Path on the silos.")
            : Results.Ok(new { status = "ready", model_version = version });
    }

    private static IResult NotReady(string reason) => Problems.Status(StatusCodes.Status503ServiceUnavailable, "Not ready", reason);
}
