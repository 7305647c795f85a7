using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Orleans.Dashboard;
using Orleans.Connections.Security;
using OrleansReco.ServiceDefaults;
using StackExchange.Redis;

namespace OrleansReco.Gateway.Hosting;

/// <summary>
/// How the gateway reaches the grains on its own: an Orleans client to a cluster found through Redis
/// (<c>Reco:Cluster:RedisConnectionString</c>), or to a silo on this machine (<c>Reco:Cluster:GatewayPort</c>) when no
/// Redis is configured, with mutual TLS when <c>Reco:Cluster:Tls:Enabled</c>. A silo in the same process is the single-process host's business (<c>embedded/</c>), which adds
/// the gateway next to a silo instead. Either way endpoints take <see cref="IGrainFactory"/>.
/// </summary>
public static class ClusterConnectionExtensions
{
    /// <summary>Adds the Orleans client, configured from <c>Reco:Cluster</c> (<see cref="ClusterConnectionOptions"/>, validated).</summary>
    public static WebApplicationBuilder AddRecoClusterClient(this WebApplicationBuilder builder)
    {
        if (GatewayHostingExtensions.ReadValidated(builder.Configuration).IsEmbedded)
            throw new OptionsValidationException(GatewayOptions.Section, typeof(GatewayOptions),
                ["Reco:Gateway:Mode (env Reco__Gateway__Mode) is Embedded, but this is the gateway alone, an Orleans client to a cluster. "
                 + "For a silo and the gateway in one process run the single-process host (dotnet run --project embedded, or reco demo); "
                 + "for this gateway set Mode to Client or leave it empty."]);
        var cluster = builder.Configuration.ReadValidated<ClusterConnectionOptions, ClusterConnectionOptionsValidator>(ClusterConnectionOptions.Section);
        builder.Services.AddSingleton(Options.Create(cluster));
        builder.Services.AddRedisCredentialCheck(cluster);
        var certificates = cluster.Tls.Enabled ? cluster.Tls.Load() : null;
        bool traceGrainCalls = RecoDefaultsExtensions.TracesGrainCalls(builder.Configuration);
        builder.UseOrleansClient(client =>
        {
            client.Configure<ClusterOptions>(o =>
            {
                o.ClusterId = cluster.ClusterId;
                o.ServiceId = cluster.ServiceId;
            });
            if (!string.IsNullOrWhiteSpace(cluster.RedisConnectionString))
                client.UseRedisClustering(o => o.ConfigurationOptions = cluster.RedisConfiguration());
            else
                client.UseLocalhostClustering(cluster.GatewayPort, cluster.ServiceId, cluster.ClusterId);
            if (cluster.ResponseTimeout is { } response) client.Configure<ClientMessagingOptions>(o => o.ResponseTimeout = response);
            // Mutual TLS to the silos' gateway ports: this certificate is presented, theirs must chain to the cluster's CA.
            if (certificates is not null)
                client.UseTls(certificates.Certificate, o =>
                {
                    o.RemoteCertificateMode = RemoteCertificateMode.RequireCertificate;
                    o.RemoteCertificateValidation = certificates.IsTrusted;
                });
            if (traceGrainCalls) client.AddActivityPropagation();
            if (cluster.Dashboard) client.AddDashboard();
        });
        return builder;
    }
}
