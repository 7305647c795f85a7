using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics;
using OrleansReco.GrainInterfaces;

namespace OrleansReco.Gateway.Http;

/// <summary>
/// Turns exceptions into problem answers: bad requests and grains' <see cref="ArgumentException"/> → 400,
/// <see cref="KeyNotFoundException"/> → 404, no model / storage / cluster trouble → 503; anything else → 500 with
/// the trace id (bad input never gets here).
/// </summary>
public sealed partial class GatewayExceptionHandler(ILogger<GatewayExceptionHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken cancellationToken)
    {
        var (status, title, detail) = Classify(exception);
        if (status == 500) LogFailed(exception, context.Request.Method, context.Request.Path, status);
        else if (status > 500) LogUnavailable(context.Request.Method, context.Request.Path, status, exception.GetType().Name, exception.Message);
        var extensions = new Dictionary<string, object?> { ["trace_id"] = System.Diagnostics.Activity.Current?.TraceId.ToString() ?? context.TraceIdentifier };
        await Problems.Status(status, title, detail, extensions).ExecuteAsync(context);
        return true;
    }

    /// <summary>Status, title and detail for an exception (unwrapping aggregates).</summary>
    public static (int Status, string Title, string Detail) Classify(Exception exception)
    {
        var e = exception is AggregateException { InnerExceptions.Count: 1 } a ? a.InnerExceptions[0] : exception;
        return e switch
        {
            BadHttpRequestException b => (b.StatusCode, "Bad request", b.Message),
            JsonException j => (400, "The request is invalid", $"The body is not valid JSON: {JsonBody.Describe(j)}"),
            KeyNotFoundException k => (404, "Not found", k.Message),
            ArgumentException arg => (400, "The request is invalid", arg.Message),
            ModelUnavailableException m => (503, "No model loaded", m.Message),
            RecoStorageException s => (503, "Storage unavailable", s.Message + " Retrying is safe."),
            _ when IsClusterFailure(e) => (503, "Cluster unavailable", $"The cluster did not answer: {e.Message} Retrying is safe."),
            OperationCanceledException => (503, "Cancelled", "The request was cancelled before it completed."),
            _ => (500, "Internal error", "An unexpected error occurred; the trace id identifies it in the logs."),
        };
    }

    /// <summary>Timeouts, lost connections, unavailable silos and other Orleans runtime failures (no compatible silo included).</summary>
    public static bool IsClusterFailure(Exception e) =>
        e is TimeoutException or OrleansException or SiloUnavailableException
            or OrleansMessageRejectionException or ClientNotAvailableException
        || (e is InvalidOperationException && e.Source?.StartsWith("Orleans", StringComparison.Ordinal) == true);

    [LoggerMessage(Level = LogLevel.Error, Message = "{Method} {Path} failed with {Status}")]
    private partial void LogFailed(Exception error, string method, string path, int status);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Method} {Path} answered {Status}: {ErrorType}: {Error}")]
    private partial void LogUnavailable(string method, string path, int status, string errorType, string error);
}
