using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using OrleansReco.Grains.Events;
using OrleansReco.Grains.Items;
using Orleans.Placement;
using OrleansReco.Grains.Model;
using OrleansReco.Grains.Placement;
using OrleansReco.Grains.Recommend;
using OrleansReco.Grains.Telemetry;
using OrleansReco.Grains.Users;
using OrleansReco.ServiceDefaults;

namespace OrleansReco.Silo.Hosting;

/// <summary>Services the serving grains need: their options (validated at start), the model cache and the metrics.</summary>
public static class ServingHostingExtensions
{
    /// <summary>Adds the serving services and, with <paramref name="traceGrainCalls"/>, propagates traces through grain calls.</summary>
    public static ISiloBuilder AddRecoServing(this ISiloBuilder silo, bool traceGrainCalls = true)
    {
        silo.Services.AddRecoServing();
        if (traceGrainCalls) silo.AddActivityPropagation();
        return silo;
    }

    /// <summary>Binds <c>Reco:Model</c>, <c>Reco:Users</c>, <c>Reco:Shards</c> and <c>Reco:Recommend</c>; registers the model cache, its sync with the model registry, and metrics.</summary>
    public static IServiceCollection AddRecoServing(this IServiceCollection services)
    {
        services.AddValidatedOptions<ModelOptions, ModelOptionsValidator>(ModelOptions.Section);
        services.AddValidatedOptions<UserGrainOptions, UserGrainOptionsValidator>(UserGrainOptions.Section);
        services.AddValidatedOptions<ItemShardOptions, ItemShardOptionsValidator>(ItemShardOptions.Section);
        services.AddValidatedOptions<RecommendOptions, RecommendOptionsValidator>(RecommendOptions.Section);
        services.TryAddSingleton(TimeProvider.System);
        services.AddMetrics();
        services.TryAddSingleton<RecoMetrics>();
        services.TryAddSingleton<LifecycleMetrics>();
        services.TryAddSingleton<ServingRules>();
        services.TryAddSingleton<ModelCache>();
        services.TryAddSingleton<IModelProvider>(sp => sp.GetRequiredService<ModelCache>());
        services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>>(sp => sp.GetRequiredService<ModelCache>());
        services.TryAddSingleton<IEventArchive>(_ => new MemoryEventArchive());
        services.AddRecoMemoryStores();
        services.TryAddSingleton<ModelSync>();
        services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>>(sp => sp.GetRequiredService<ModelSync>());
        services.AddPlacementFilter<ServingSilosFilterStrategy, ServingSilosFilterDirector>(ServiceLifetime.Singleton);
        services.AddPlacementFilter<TrainingSilosFilterStrategy, TrainingSilosFilterDirector>(ServiceLifetime.Singleton);
        services.AddPlacementDirector<ShardSpreadPlacement, ShardSpreadPlacementDirector>();
        return services;
    }
}
