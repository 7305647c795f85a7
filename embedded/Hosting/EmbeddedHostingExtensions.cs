using Microsoft.Extensions.Options;
using OrleansReco.Gateway.Hosting;
using OrleansReco.Silo.Hosting;

namespace OrleansReco.Embedded.Hosting;

/// <summary>The embedded mode: a silo and the gateway in one process (the silo's and the gateway's own wiring, side by side).</summary>
public static class EmbeddedHostingExtensions
{
    /// <summary>
    /// Adds the silo (<c>Reco:Cluster</c>, as for a silo process) and the gateway (<c>Reco:Gateway</c>), which reaches
    /// the grains through the silo's own grain factory. <c>Reco:Gateway:Mode=Client</c> is refused with a message
    /// pointing to the gateway alone.
    /// </summary>
    public static WebApplicationBuilder AddRecoEmbedded(this WebApplicationBuilder builder)
    {
        if (GatewayHostingExtensions.ReadValidated(builder.Configuration).IsClient)
            throw new OptionsValidationException(GatewayOptions.Section, typeof(GatewayOptions),
                ["Reco:Gateway:Mode (env Reco__Gateway__Mode) is Client, but this is the single-process host, a silo and the gateway in one process. "
                 + "For an Orleans client to a cluster run the gateway alone (dotnet run --project client); "
                 + "for this host set Mode to Embedded or leave it empty."]);
        builder.AddRecoSilo();
        builder.AddRecoGateway();
        return builder;
    }
}
