using Scalar.AspNetCore;

namespace OrleansReco.Gateway.Endpoints;

/// <summary>
/// <c>GET /docs</c>: the interactive API reference (Scalar, served from the gateway itself, no CDN) over
/// <c>/openapi/v1.json</c>, with a field for the <c>X-Api-Key</c> key; it tries requests against this gateway and
/// shows each as curl. The key is not persisted by the page (Scalar's default).
/// </summary>
public static class DocsEndpoints
{
    public const string Path = "/docs";

    public static IEndpointRouteBuilder MapDocsEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapScalarApiReference(Path, o => o
            .WithTitle("OrleansReco HTTP API")
            .WithOpenApiRoutePattern("/openapi/{documentName}.json")
            .AddPreferredSecuritySchemes([OpenApiContract.SchemeName])
            .AddApiKeyAuthentication(OpenApiContract.SchemeName, key => key.Value = ""));
        return app;
    }
}
