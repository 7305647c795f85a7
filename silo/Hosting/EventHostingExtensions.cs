using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using OrleansReco.Grains.Events;
using OrleansReco.Grains.Placement;
using OrleansReco.Silo.Events;
using StackExchange.Redis;

namespace OrleansReco.Silo.Hosting;

/// <summary>The silo's own uses of Redis with the Redis provider: the event archive and the event-stream consumer.</summary>
public static class EventHostingExtensions
{
    /// <summary>
    /// Registers one <see cref="IConnectionMultiplexer"/> for the silo's own Redis uses (the Orleans providers keep
    /// theirs), <see cref="RedisEventArchive"/> as the <see cref="IEventArchive"/> (section <c>Reco:Events:Archive</c>)
    /// and, when <c>Reco:Events:Stream:Enabled</c> (default true), the <see cref="EventStreamConsumer"/> on silos
    /// whose role serves (or that published no role).
    /// </summary>
    public static ISiloBuilder AddRecoRedisEvents(this ISiloBuilder silo, ConfigurationOptions redis)
    {
        var services = silo.Services;
        services.TryAddSingleton<IConnectionMultiplexer>(_ =>
        {
            var configuration = redis.Clone();
            // Keep trying in the background when Redis is not up yet; calls fail until it is.
            configuration.AbortOnConnectFail = false;
            return ConnectionMultiplexer.Connect(configuration);
        });
        services.TryAddSingleton(TimeProvider.System);
        services.AddHostedService<RedisConnectionMetrics>();

        services.AddOptions<EventArchiveOptions>().BindConfiguration(EventArchiveOptions.Section).ValidateOnStart();
        services.AddOptions<EventArchiveOptions>().PostConfigure<IOptions<ClusterOptions>>((o, cluster) => o.ResolveKeys(cluster.Value.ServiceId));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<EventArchiveOptions>, EventArchiveOptionsValidator>());
        services.TryAddSingleton<RedisEventArchive>();
        // Added (not TryAdd) so that it wins over the in-memory archive that AddRecoServing adds with TryAdd.
        services.AddSingleton<IEventArchive>(sp => sp.GetRequiredService<RedisEventArchive>());

        services.AddOptions<EventStreamOptions>().BindConfiguration(EventStreamOptions.Section).ValidateOnStart();
        services.AddOptions<EventStreamOptions>().PostConfigure<IOptions<ClusterOptions>>((o, cluster) => o.ResolveKeys(cluster.Value.ServiceId));
        services.AddOptions<EventStreamOptions>().PostConfigure(o =>
            o.MaxFutureSkew = silo.Configuration.GetValue(GrainInterfaces.Events.EventValidation.MaxFutureSkewKey, o.MaxFutureSkew));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<EventStreamOptions>, EventStreamOptionsValidator>());
        bool enabled = silo.Configuration.GetSection(EventStreamOptions.Section).GetValue(nameof(EventStreamOptions.Enabled), true);
        if (enabled)
        {
            services.TryAddSingleton<EventStreamConsumer>();
            services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>>(sp => sp.GetService<LocalSiloRole>()?.Serves ?? true
                ? sp.GetRequiredService<EventStreamConsumer>()
                : NoLifecycleParticipant.Instance);
        }
        return silo;
    }

    /// <summary>Stands in for the consumer on silos that do not serve (role <c>train</c>).</summary>
    private sealed class NoLifecycleParticipant : ILifecycleParticipant<ISiloLifecycle>
    {
        public static readonly NoLifecycleParticipant Instance = new();
        public void Participate(ISiloLifecycle lifecycle) { }
    }
}
