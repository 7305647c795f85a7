using System.Reflection;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;
using OrleansReco.Gateway.Hosting;
using OrleansReco.Gateway.Security;

namespace OrleansReco.Gateway.Endpoints;

/// <summary>
/// The OpenAPI document as a contract: the <c>X-Api-Key</c> security scheme, and on every operation that needs a key a
/// security requirement, its scope (<c>x-scope</c>) and the 401/403/429 answers. The build writes the document to
/// <c>client/obj/openapi/</c> (Microsoft.Extensions.ApiDescription.Server); a test compares it with the checked-in
/// <c>client/openapi.json</c>.
/// </summary>
public static class OpenApiContract
{
    public const string SchemeName = "ApiKey";

    /// <summary>The extension naming the scope an operation needs (<c>none</c>: no key).</summary>
    public const string ScopeExtension = "x-scope";

    public static IServiceCollection AddRecoOpenApi(this IServiceCollection services) =>
        services.AddOpenApi(o =>
        {
            o.AddDocumentTransformer(DescribeDocument);
            o.AddOperationTransformer(DescribeOperation);
            o.AddSchemaTransformer(NumbersAreNumbers);
        });

    /// <summary>Whether the process is the build's document generator (dotnet-getdocument), which builds the host but never runs it.</summary>
    public static bool IsBuildTimeGeneration => Assembly.GetEntryAssembly()?.GetName().Name == "GetDocument.Insider";

    /// <summary>
    /// The gateway's connection to the cluster; while the build writes the document (the generator starts the host),
    /// a stand-in instead, and no keys (which a running gateway must have): the document describes endpoints, not a
    /// deployment, and a build must not wait for a cluster.
    /// </summary>
    public static WebApplicationBuilder AddRecoClusterClientUnlessGeneratingDocument(this WebApplicationBuilder builder)
    {
        if (!IsBuildTimeGeneration) return builder.AddRecoClusterClient();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { [$"{GatewayOptions.Section}:RequireKeys"] = "false" });
        builder.Services.AddSingleton<IGrainFactory>(_ => throw new InvalidOperationException("No cluster while the build writes the OpenAPI document."));
        return builder;
    }

    private static Task DescribeDocument(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
    {
        document.Info.Title = "OrleansReco HTTP API";
        document.Info.Description = "Two-tower recommendations over an Orleans cluster. JSON names are snake_case; errors are application/problem+json "
            + "(RFC 9457) with every bad field under errors. Scopes: read; write, catalogue and users:read each include read; admin includes all.";
        document.Servers = [];
        document.Components ??= new OpenApiComponents();
        document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
        document.Components.SecuritySchemes[SchemeName] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.ApiKey,
            Name = ApiKeyMiddleware.Header,
            In = ParameterLocation.Header,
            Description = "An API key (Reco:Gateway:ApiKeys, or RECO_API_KEY as an admin key). Each operation's x-scope names the scope it needs.",
        };
        return Task.CompletedTask;
    }

    /// <summary>
    /// The readers refuse numbers sent as strings ("1.5" is not a number), so a number's schema does not admit a string
    /// (ASP.NET Core's web defaults would read them, and describe them so).
    /// </summary>
    private static Task NumbersAreNumbers(OpenApiSchema schema, OpenApiSchemaTransformerContext context, CancellationToken cancellationToken)
    {
        if (schema.Type is { } type && (type & (JsonSchemaType.Integer | JsonSchemaType.Number)) != 0 && (type & JsonSchemaType.String) != 0)
        {
            schema.Type = type & ~JsonSchemaType.String;
            schema.Pattern = null;
        }
        return Task.CompletedTask;
    }

    private static Task DescribeOperation(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        var required = context.Description.ActionDescriptor.EndpointMetadata.OfType<RequiredScope>().LastOrDefault();
        string scope = required?.Scope.Name() ?? "none";
        operation.Extensions ??= new Dictionary<string, IOpenApiExtension>();
        operation.Extensions[ScopeExtension] = new JsonNodeExtension(JsonValue.Create(scope));
        if (required is null) return Task.CompletedTask;
        operation.Description = $"Needs a key with scope {scope} (header {ApiKeyMiddleware.Header}).";
        operation.Security = [new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(SchemeName, context.Document)] = [] }];
        operation.Responses ??= new OpenApiResponses();
        operation.Responses.TryAdd("401", new OpenApiResponse { Description = "No key, or an unknown one" });
        operation.Responses.TryAdd("403", new OpenApiResponse { Description = $"The key lacks scope {scope}" });
        operation.Responses.TryAdd("429", new OpenApiResponse { Description = "Over the key's rate limit (see Retry-After)" });
        return Task.CompletedTask;
    }
}
