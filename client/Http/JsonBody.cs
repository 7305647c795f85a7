using System.Buffers;
using System.Text.Json;
using Microsoft.Net.Http.Headers;
using OrleansReco.GrainInterfaces.Events;

namespace OrleansReco.Gateway.Http;

/// <summary>
/// Reads a request body as one JSON document: JSON content type (else 415), at most the configured bytes (else 413),
/// not empty, well-formed UTF-8 JSON nested at most <see cref="MaxDepth"/> levels (else 400 naming <c>body</c>).
/// </summary>
public static class JsonBody
{
    public const int MaxDepth = 64;

    /// <summary>
    /// The body parsed, or the answer to give instead. The document is parsed over <c>Buffer</c>, an array of the shared
    /// pool that the caller returns once the document is disposed (a body is read without a copy or a buffer of its own).
    /// </summary>
    private static async Task<(JsonDocument? Document, byte[]? Buffer, IResult? Error)> ReadAsync(HttpRequest request, long maxBytes)
    {
        if (request.ContentLength > maxBytes) return (null, null, TooLarge(maxBytes));
        if (!IsJson(request.ContentType))
        {
            if (request.ContentLength == 0 && string.IsNullOrEmpty(request.ContentType))
                return (null, null, Problems.Field("body", "The request body is empty; send a JSON document."));
            return (null, null, Problems.Status(StatusCodes.Status415UnsupportedMediaType, "Unsupported media type",
                $"Send JSON with Content-Type application/json, not '{request.ContentType ?? "(none)"}'."));
        }
        byte[]? buffer = null;
        try
        {
            int length;
            try
            {
                (buffer, length) = await ReadLimitedAsync(request.Body, request.ContentLength, maxBytes, request.HttpContext.RequestAborted);
            }
            catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
            {
                return (null, null, TooLarge(maxBytes));
            }
            if (length < 0)
            {
                buffer = null; // already returned
                return (null, null, TooLarge(maxBytes));
            }
            var body = buffer.AsMemory(0, length);
            if (body.Span.Trim(" \t\r\n"u8).IsEmpty)
                return (null, null, Problems.Field("body", "The request body is empty; send a JSON document."));
            try
            {
                var document = JsonDocument.Parse(body, new JsonDocumentOptions { MaxDepth = MaxDepth });
                (var owned, buffer) = (buffer, null);
                return (document, owned, null);
            }
            catch (JsonException e)
            {
                return (null, null, Problems.Field("body", $"The body is not valid JSON: {Describe(e)}"));
            }
        }
        finally
        {
            if (buffer is not null) ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>
    /// Reads the body and hands its root to <paramref name="read"/>, which takes out the fields it needs (strings,
    /// maps, copies: nothing that points into the document, which is disposed here) and records every bad one.
    /// <c>Error</c> is the answer to give instead: the body's 413/415/400 from <see cref="ReadAsync(HttpRequest, long)"/>,
    /// or, when a field is bad, <paramref name="invalid"/>'s answer (by default 400 listing every bad field).
    /// </summary>
    public static async Task<(T Value, IResult? Error)> ReadAsync<T>(
        HttpRequest request, long maxBytes, Func<JsonElement, JsonFields, T> read, Func<T, List<FieldError>, IResult>? invalid = null)
    {
        var (document, buffer, error) = await ReadAsync(request, maxBytes);
        if (error is not null) return (default!, error);
        try
        {
            var fields = new JsonFields();
            var value = read(document!.RootElement, fields);
            if (!fields.HasErrors) return (value, null);
            return (value, invalid is null ? Problems.Validation(fields.Errors) : invalid(value, fields.Errors));
        }
        finally
        {
            document!.Dispose();
            ArrayPool<byte>.Shared.Return(buffer!);
        }
    }

    /// <summary>The parser's message without the exception type, with line and byte position (1-based).</summary>
    public static string Describe(JsonException e)
    {
        string message = e.Message;
        int cut = message.IndexOf(" Path:", StringComparison.Ordinal);
        if (cut > 0) message = message[..cut];
        return e.LineNumber is { } line ? $"{message.TrimEnd('.')} (line {line + 1}, byte {e.BytePositionInLine + 1})." : message;
    }

    private static bool IsJson(string? contentType) =>
        MediaTypeHeaderValue.TryParse(contentType, out var media)
        && media.MediaType.Value is { } type
        && (type.Equals("application/json", StringComparison.OrdinalIgnoreCase) || type.EndsWith("+json", StringComparison.OrdinalIgnoreCase));

    private static IResult TooLarge(long maxBytes) => Problems.Status(StatusCodes.Status413PayloadTooLarge, "Request body too large",
        $"The body is larger than {maxBytes} bytes (Reco:Gateway:MaxRequestBytes).");

    /// <summary>
    /// The whole body in an array of the shared pool (the caller returns it) and its length, or a length of -1 when it
    /// exceeds <paramref name="maxBytes"/> (the array is then already returned). A declared length sizes the array once;
    /// without one it grows by doubling.
    /// </summary>
    private static async Task<(byte[] Buffer, int Length)> ReadLimitedAsync(Stream body, long? declared, long maxBytes, CancellationToken cancellation)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(declared is > 0 and < int.MaxValue ? (int)declared.Value + 1 : 4096);
        int length = 0;
        try
        {
            while (true)
            {
                if (length == buffer.Length)
                {
                    var larger = ArrayPool<byte>.Shared.Rent((int)Math.Min((long)buffer.Length * 2, Array.MaxLength));
                    buffer.AsSpan(0, length).CopyTo(larger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = larger;
                }
                int read = await body.ReadAsync(buffer.AsMemory(length), cancellation);
                if (read == 0) return (buffer, length);
                length += read;
                if (length > maxBytes)
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                    return (null!, -1);
                }
            }
        }
        catch
        {
            ArrayPool<byte>.Shared.Return(buffer);
            throw;
        }
    }
}
