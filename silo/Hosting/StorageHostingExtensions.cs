using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using OrleansReco.Grains.Items;
using OrleansReco.Grains.Storage;
using OrleansReco.Grains.Users;
using OrleansReco.Silo.Storage;

namespace OrleansReco.Silo.Hosting;

/// <summary>The stores of user grains and item shards (appended logs and snapshots; one entry per item).</summary>
public static class StorageHostingExtensions
{
    /// <summary>The in-memory stores (the embedded default), unless a provider registered others first.</summary>
    public static IServiceCollection AddRecoMemoryStores(this IServiceCollection services)
    {
        services.TryAddSingleton<IUserStore, MemoryUserStore>();
        services.TryAddSingleton<IItemShardStore, MemoryItemShardStore>();
        services.TryAddSingleton<PreviousLayout>();
        return services;
    }

    /// <summary>
    /// The Redis stores, on the silo's own <see cref="StackExchange.Redis.IConnectionMultiplexer"/> (registered by
    /// <see cref="EventHostingExtensions.AddRecoRedisEvents"/>); added, not tried, so they win over the memory ones.
    /// </summary>
    public static ISiloBuilder AddRecoRedisStores(this ISiloBuilder silo)
    {
        silo.Services.AddSingleton<IUserStore, RedisUserStore>();
        silo.Services.AddSingleton<IItemShardStore, RedisItemShardStore>();
        return silo;
    }
}
