using OrleansReco.Gateway.Hosting;
using OrleansReco.Embedded.Hosting;
using OrleansReco.ServiceDefaults;

namespace OrleansReco.Embedded;

/// <summary>
/// The single-process host: one silo (<c>Reco:Cluster</c>, Memory providers by default) and the HTTP gateway in the
/// same process, the gateway calling the silo directly. It is the composition root of the embedded mode, so that the
/// gateway project stays an Orleans client that never references the silo. Run by <c>dotnet run --project embedded</c>
/// and <c>reco demo</c>; a class rather than top-level statements so that the gateway's HTTP tests can host it
/// (<c>WebApplicationFactory&lt;EmbeddedHost&gt;</c>) beside the gateway's own <c>Program</c>.
/// </summary>
public sealed class EmbeddedHost
{
    private EmbeddedHost() { }

    public static void Main(string[] args) => Create(args).Run();

    /// <summary>The whole process, with <paramref name="configure"/> applied to the builder first (extra configuration, URLs).</summary>
    public static WebApplication Create(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateBuilder(args);
        configure?.Invoke(builder);
        builder.AddRecoDefaults(GatewayHostingExtensions.ServiceName);
        builder.AddRecoEmbedded();
        var app = builder.Build();
        app.UseRecoGateway();
        app.MapRecoEndpoints();
        return app;
    }
}
