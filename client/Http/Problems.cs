using OrleansReco.GrainInterfaces.Events;

namespace OrleansReco.Gateway.Http;

/// <summary>RFC 9457 problem answers (<c>application/problem+json</c>); bad fields are listed under <c>errors</c>.</summary>
public static class Problems
{
    /// <summary>At most this many bad fields are listed in one answer; the detail says how many there were.</summary>
    public const int MaxListedErrors = 1000;

    public static IResult Validation(IReadOnlyCollection<FieldError> errors, string? detail = null)
    {
        var listed = errors.Take(MaxListedErrors)
            .GroupBy(e => e.Field, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Select(e => e.Message).ToArray(), StringComparer.Ordinal);
        string text = detail ?? (errors.Count == 1 ? "One field is invalid." : $"{errors.Count} fields are invalid.");
        if (errors.Count > MaxListedErrors) text += $" The first {MaxListedErrors} are listed.";
        return Results.ValidationProblem(listed, detail: text, title: "The request is invalid");
    }

    public static IResult Field(string field, string message) => Validation([new FieldError(field, message)]);

    public static IResult Status(int status, string title, string detail, IDictionary<string, object?>? extensions = null) =>
        Results.Problem(detail: detail, statusCode: status, title: title, extensions: extensions);

    public static IResult NotFound(string detail) => Status(StatusCodes.Status404NotFound, "Not found", detail);

    public static Task Write(HttpContext context, int status, string title, string detail) =>
        Status(status, title, detail).ExecuteAsync(context);

    /// <summary>429 with header <c>Retry-After</c> (whole seconds, at least 1).</summary>
    public static Task WriteTooManyRequests(HttpContext context, TimeSpan? retryAfter, string detail)
    {
        if (retryAfter is { } retry)
            context.Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(retry.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
        return Write(context, StatusCodes.Status429TooManyRequests, "Too many requests", detail);
    }
}
