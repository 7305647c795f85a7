using System.Text.Json;
using Microsoft.Extensions.Options;
using OrleansReco.GrainInterfaces;
using OrleansReco.Gateway.Hosting;
using OrleansReco.Gateway.Http;
using OrleansReco.Gateway.Security;

namespace OrleansReco.Gateway.Endpoints;

/// <summary>The model: current version and history, the trainer's status, start a training run, publish (roll back to) a stored version.</summary>
public static partial class ModelEndpoints
{
    /// <summary>How long a trainer call may take before the trainer is reported unavailable.</summary>
    public static readonly TimeSpan TrainerTimeout = TimeSpan.FromSeconds(10);

    public static IEndpointRouteBuilder MapModelEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/v1/model", GetAsync).RequireScope(ApiScope.Read).WithTags("model")
            .WithSummary("Current model version, publication history and trainer status (trainer null when no silo can train)")
            .Produces<ModelOutput>();
        var admin = app.MapGroup("/v1/model").RequireScope(ApiScope.Admin).WithTags("model");
        admin.MapPost("/retrain", RetrainAsync).WithSummary("Start a training run (or get the one under way)")
            .Produces<TrainingRunInfo>(StatusCodes.Status202Accepted).ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        admin.MapPost("/publish", PublishAsync).WithSummary("Make a stored model version current again (rollback)")
            .Accepts<PublishInput>("application/json").Produces<ModelVersionInfo>().ProducesValidationProblem().ProducesProblem(StatusCodes.Status404NotFound);
        return app;
    }

    private static async Task<IResult> GetAsync(IGrainFactory grains, ILoggerFactory logs)
    {
        var registry = grains.Registry();
        var current = await registry.GetCurrentAsync();
        var history = await registry.GetHistoryAsync();
        TrainerStatus? trainer = null;
        string? trainerError = null;
        try
        {
            trainer = await grains.Trainer().GetStatusAsync().WaitAsync(TrainerTimeout);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            trainerError = TrainerUnavailable(e);
            LogTrainerUnavailable(logs.CreateLogger(typeof(ModelEndpoints)), e.GetType().Name, e.Message);
        }
        return Results.Ok(new ModelOutput(current, history, trainer, trainerError));
    }

    private static async Task<IResult> RetrainAsync(HttpContext context, IGrainFactory grains, ILoggerFactory logs)
    {
        string requestedBy = context.Items[ApiKeyMiddleware.KeyNameItem] as string ?? "anonymous";
        try
        {
            var run = await grains.Trainer().StartRunAsync(requestedBy).WaitAsync(TrainerTimeout);
            return Results.Json(run, statusCode: StatusCodes.Status202Accepted);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogTrainerUnavailable(logs.CreateLogger(typeof(ModelEndpoints)), e.GetType().Name, e.Message);
            return Problems.Status(StatusCodes.Status503ServiceUnavailable, "Trainer unavailable", TrainerUnavailable(e));
        }
    }

    private static async Task<IResult> PublishAsync(HttpContext context, IGrainFactory grains, IOptions<GatewayOptions> options)
    {
        var (version, error) = await JsonBody.ReadAsync(context.Request, options.Value.MaxRequestBytes, ReadPublish);
        if (error is not null) return error;
        string requestedBy = context.Items[ApiKeyMiddleware.KeyNameItem] as string ?? "anonymous";
        // An unknown version throws KeyNotFoundException in the registry → 404 by the exception handler.
        var info = await grains.Registry().RollbackAsync(version!, requestedBy);
        return Results.Ok(info);
    }

    /// <summary>The body of <c>POST /v1/model/publish</c> (documented by <see cref="PublishInput"/>).</summary>
    internal static string? ReadPublish(JsonElement root, JsonFields fields)
    {
        string? version = fields.RequireObject(root, "body") ? fields.String(root, "version", "version", required: true) : null;
        if (version is not null) Ids.Check(version, "version", fields.Errors);
        return version;
    }

    private static string TrainerUnavailable(Exception e) =>
        $"No silo can run the trainer (a silo of role train or all is needed), or it did not answer within {TrainerTimeout.TotalSeconds:0} s: {e.Message}";

    [LoggerMessage(Level = LogLevel.Warning, Message = "Trainer unavailable: {ErrorType}: {Error}")]
    private static partial void LogTrainerUnavailable(ILogger logger, string errorType, string error);
}
