using Microsoft.Extensions.Options;
using Orleans.Configuration;
using OrleansReco.Silo.Hosting;
using StackExchange.Redis;

namespace OrleansReco.Gateway.Hosting;

/// <summary>
/// How the gateway reaches the grains: <c>Embedded</c> co-hosts a silo in this process (the silo host's own wiring,
/// <c>Reco:Cluster</c>, Memory providers by default) and calls it directly; <c>Client</c> is an Orleans client to a
/// cluster found through Redis (<c>Reco:Cluster:RedisConnectionString</c>), or to a silo on this machine
/// (<c>Reco:Cluster:GatewayPort</c>) when no Redis is configured. Either way endpoints take <see cref="IGrainFactory"/>.
/// </summary>
public static class ClusterConnectionExtensions
{
    public static WebApplicationBuilder AddRecoCluster(this WebApplicationBuilder builder, GatewayOptions gateway)
    {
        if (gateway.IsEmbedded)
        {
            builder.AddRecoSilo();
            return builder;
        }
        var cluster = SiloHostingExtensions.ReadValidated(builder.Configuration);
        builder.Services.AddSingleton(Options.Create(cluster));
        builder.UseOrleansClient(client =>
        {
            client.Configure<ClusterOptions>(o =>
            {
                o.ClusterId = cluster.ClusterId;
                o.ServiceId = cluster.ServiceId;
            });
            if (!string.IsNullOrWhiteSpace(cluster.RedisConnectionString))
                client.UseRedisClustering(o => o.ConfigurationOptions = ConfigurationOptions.Parse(cluster.RedisConnectionString));
            else
                client.UseLocalhostClustering(cluster.GatewayPort, cluster.ServiceId, cluster.ClusterId);
            if (cluster.ResponseTimeout is { } response) client.Configure<ClientMessagingOptions>(o => o.ResponseTimeout = response);
            client.AddActivityPropagation();
        });
        return builder;
    }
}
