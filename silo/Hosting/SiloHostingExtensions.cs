using System.Net;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Orleans.Storage;
using Orleans.Runtime.MembershipService.SiloMetadata;
using Orleans.Dashboard;
using Orleans.Connections.Security;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
using OrleansReco.Grains;
using OrleansReco.Grains.Placement;
using OrleansReco.Grains.Telemetry;
using OrleansReco.ServiceDefaults;
#if RECO_TRAINER
using OrleansReco.Trainer.Hosting;
#endif
using StackExchange.Redis;

namespace OrleansReco.Silo.Hosting;

/// <summary>Wiring of an OrleansReco silo: providers, endpoints and role, chosen by configuration.</summary>
public static class SiloHostingExtensions
{
    /// <summary>
    /// Adds the Orleans silo to a host, configured from section <c>Reco:Cluster</c>, and the silo's meter and activity
    /// source (<c>OrleansReco</c>) to whatever telemetry the host exports (<c>AddRecoDefaults</c>).
    /// </summary>
    public static IHostApplicationBuilder AddRecoSilo(this IHostApplicationBuilder builder)
    {
        var options = ReadValidated(builder.Configuration);
        builder.Services.AddSingleton(Options.Create(options));
        // Graceful shutdown: on SIGTERM the host stops the silo, which deactivates its grains (their state is
        // already persisted: events and items are acknowledged only after the write) and leaves the cluster.
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = options.ShutdownTimeout);
        if (options.IsRedis) builder.Services.AddRedisCredentialCheck(options);
        bool traceGrainCalls = RecoDefaultsExtensions.TracesGrainCalls(builder.Configuration);
        builder.UseOrleans(silo => silo.AddRecoSilo(options, traceGrainCalls));
        // Orleans' placement retries log every attempt at Information through Polly; keep only their warnings.
        builder.Logging.AddFilter("Polly", LogLevel.Warning);
        builder.Services.ConfigureOpenTelemetryMeterProvider(metrics => metrics.AddMeter(RecoMetrics.MeterName));
        builder.Services.ConfigureOpenTelemetryTracerProvider(tracing => tracing.AddSource(RecoMetrics.MeterName));
        return builder;
    }

    /// <summary>Reads <see cref="ClusterHostingOptions"/> and throws <see cref="OptionsValidationException"/> naming every bad key.</summary>
    public static ClusterHostingOptions ReadValidated(IConfiguration configuration) =>
        configuration.ReadValidated<ClusterHostingOptions, ClusterHostingOptionsValidator>(ClusterHostingOptions.Section);

    /// <summary>
    /// Configures clustering, storage and reminders for the chosen provider, TLS of the silo and gateway ports
    /// (<c>Reco:Cluster:Tls</c>), and the silo's role metadata; with <paramref name="traceGrainCalls"/>, trace context
    /// through grain calls (<c>Reco:Telemetry:TraceGrainCalls</c>).
    /// </summary>
    public static ISiloBuilder AddRecoSilo(this ISiloBuilder silo, ClusterHostingOptions options, bool traceGrainCalls = true)
    {
        silo.Configure<ClusterOptions>(o =>
        {
            o.ClusterId = options.ClusterId;
            o.ServiceId = options.ServiceId;
        });
        bool kubernetes = options.UsesKubernetes(Environment.GetEnvironmentVariable);
        if (options.IsRedis)
        {
            silo.UseRedisClustering(o => o.ConfigurationOptions = options.RedisConfiguration());
            // In a pod the endpoints come from Kubernetes hosting (POD_IP); elsewhere silos share this machine.
            if (kubernetes) silo.Configure<EndpointOptions>(o => { o.SiloPort = options.SiloPort; o.GatewayPort = options.GatewayPort; });
            else silo.ConfigureEndpoints(IPAddress.Loopback, options.SiloPort, options.GatewayPort);
        }
        else
        {
            silo.UseLocalhostClustering(options.SiloPort, options.GatewayPort);
        }
        if (kubernetes) silo.UseKubernetesHosting();
        if (options.Tls.Enabled) silo.UseRecoTls(options.Tls.Load());
        silo.Configure<ClusterMembershipOptions>(o =>
        {
            if (options.ProbeTimeout is { } probe) o.ProbeTimeout = probe;
            if (options.NumMissedProbesLimit is { } missed) o.NumMissedProbesLimit = missed;
        });
        if (options.ResponseTimeout is { } response) silo.Configure<SiloMessagingOptions>(o => o.ResponseTimeout = response);
        if (options.Dashboard) silo.AddDashboard();
        silo.AddRecoProviders(options).AddRecoRole(options.Role).AddRecoServing(traceGrainCalls);
#if RECO_TRAINER
        silo.AddRecoTrainer(options.Role);
#else
        if (Grains.Placement.SiloRoles.Trains(options.Role) && !Grains.Placement.SiloRoles.Serves(options.Role))
            throw new OptionsValidationException(ClusterHostingOptions.Section, typeof(ClusterHostingOptions),
                ["Reco:Cluster:Role is 'train', but this silo was built without the trainer (-p:RecoTrainer=false); use the trainer build."]);
#endif
        return silo;
    }

    /// <summary>
    /// Grain storage (default and every name in <see cref="StorageNames"/>) and reminders for the chosen provider; not
    /// clustering. With Redis also the event archive and the event-stream consumer (<see cref="EventHostingExtensions"/>).
    /// </summary>
    public static ISiloBuilder AddRecoProviders(this ISiloBuilder silo, ClusterHostingOptions options)
    {
        if (options.IsRedis)
        {
            var redis = options.RedisConfiguration();
            silo.AddRedisGrainStorageAsDefault(o => o.ConfigurationOptions = redis);
            foreach (var name in StorageNames.Current) silo.AddRedisGrainStorage(name, o => o.ConfigurationOptions = redis);
            // The previous layout of users and shards: read once per grain to move it to the stores, then deleted.
            foreach (var name in StorageNames.Previous) silo.AddRedisGrainStorage(name, o => { o.ConfigurationOptions = redis; o.DeleteStateOnClear = true; });
            silo.UseRedisReminderService(o => o.ConfigurationOptions = redis);
            if (options.BinaryState)
                silo.Services.AddSingleton<IPostConfigureOptions<Orleans.Persistence.RedisStorageOptions>>(sp => new PostConfigureOptions<Orleans.Persistence.RedisStorageOptions>(
                    name: null, o => o.GrainStorageSerializer = new OrleansGrainStorageSerializer(sp.GetRequiredService<Orleans.Serialization.Serializer>())));
            silo.AddRecoRedisEvents(redis).AddRecoRedisStores();
        }
        else
        {
            silo.AddMemoryGrainStorageAsDefault();
            foreach (var name in StorageNames.Current) silo.AddMemoryGrainStorage(name);
            // The memory store keeps a serialised copy of each state and nothing outlives the process, so there is no
            // stored format to stay compatible with: Orleans' binary serializer instead of the default JSON makes each
            // write (one per accepted event batch) several times cheaper.
            silo.Services.AddSingleton<IPostConfigureOptions<MemoryGrainStorageOptions>>(sp => new PostConfigureOptions<MemoryGrainStorageOptions>(
                name: null, o => o.GrainStorageSerializer = new OrleansGrainStorageSerializer(sp.GetRequiredService<Orleans.Serialization.Serializer>())));
            silo.UseInMemoryReminderService();
        }
        return silo;
    }

    /// <summary>
    /// Mutual TLS on the silo-to-silo and client gateway ports: the silo presents <paramref name="certificates"/>'
    /// certificate and requires one from every peer and client, accepted only if it chains to the cluster's CA.
    /// </summary>
    public static ISiloBuilder UseRecoTls(this ISiloBuilder silo, ClusterCertificates certificates) =>
        silo.UseTls(certificates.Certificate, o =>
        {
            o.RemoteCertificateMode = RemoteCertificateMode.RequireCertificate;
            o.RemoteCertificateValidation = certificates.IsTrusted;
        });

    /// <summary>Publishes the silo's role (<c>serve</c>, <c>train</c>, <c>all</c>) as silo metadata for placement.</summary>
    public static ISiloBuilder AddRecoRole(this ISiloBuilder silo, string role)
    {
        silo.Services.AddSingleton(new LocalSiloRole(role.ToLowerInvariant()));
        return silo.UseSiloMetadata(new Dictionary<string, string> { [SiloRoles.MetadataKey] = role.ToLowerInvariant() });
    }
}
