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

    /// <summary>The body parsed over <paramref name="body"/>'s array, or the answer to give instead.</summary>
    private static async Task<(JsonDocument? Document, IResult? Error)> ReadAsync(HttpRequest request, long maxBytes, PooledBody body)
    {
        if (request.ContentLength > maxBytes) return (null, TooLarge(maxBytes));
        if (!IsJson(request.ContentType))
        {
            if (request.ContentLength == 0 && string.IsNullOrEmpty(request.ContentType))
                return (null, Problems.Field("body", "The request body is empty; send a JSON document."));
            return (null, Problems.Status(StatusCodes.Status415UnsupportedMediaType, "Unsupported media type",
                $"Send JSON with Content-Type application/json, not '{request.ContentType ?? "(none)"}'."));
        }
        try
        {
            if (!await body.ReadAsync(request.Body, request.ContentLength, maxBytes, request.HttpContext.RequestAborted))
                return (null, TooLarge(maxBytes));
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return (null, TooLarge(maxBytes));
        }
        if (body.Content.Span.Trim(" \t\r\n"u8).IsEmpty)
            return (null, Problems.Field("body", "The request body is empty; send a JSON document."));
        try
        {
            return (JsonDocument.Parse(body.Content, new JsonDocumentOptions { MaxDepth = MaxDepth }), null);
        }
        catch (JsonException e)
        {
            return (null, Problems.Field("body", $"The body is not valid JSON: {Describe(e)}"));
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
        // Declared first, so returned to the pool after the document parsed over it is disposed.
        using var body = new PooledBody();
        var (document, error) = await ReadAsync(request, maxBytes, body);
        if (error is not null) return (default!, error);
        using (document)
        {
            var fields = new JsonFields();
            var value = read(document!.RootElement, fields);
            if (!fields.HasErrors) return (value, null);
            return (value, invalid is null ? Problems.Validation(fields.Errors) : invalid(value, fields.Errors));
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
    /// A request body read whole into one array of the shared pool (no chunk, no copy), returned on dispose. A
    /// declared length sizes the array once; without one it grows by doubling.
    /// </summary>
    private sealed class PooledBody : IDisposable
    {
        private byte[] _array = [];
        private int _length;

        public ReadOnlyMemory<byte> Content => _array.AsMemory(0, _length);

        /// <summary>Reads <paramref name="stream"/> to its end; false as soon as it exceeds <paramref name="maxBytes"/>.</summary>
        public async Task<bool> ReadAsync(Stream stream, long? declared, long maxBytes, CancellationToken cancellation)
        {
            _array = ArrayPool<byte>.Shared.Rent(declared is > 0 and < int.MaxValue ? (int)declared.Value + 1 : 4096);
            while (true)
            {
                if (_length == _array.Length)
                {
                    var larger = ArrayPool<byte>.Shared.Rent((int)Math.Min(2L * _array.Length, Array.MaxLength));
                    _array.AsSpan(0, _length).CopyTo(larger);
                    ArrayPool<byte>.Shared.Return(_array);
                    _array = larger;
                }
                int read = await stream.ReadAsync(_array.AsMemory(_length), cancellation);
                if (read == 0) return true;
                _length += read;
                if (_length > maxBytes) return false;
            }
        }

        public void Dispose()
        {
            if (_array.Length > 0) ArrayPool<byte>.Shared.Return(_array);
            _array = [];
        }
    }
}
