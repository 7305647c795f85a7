using System.Diagnostics.Metrics;
using Microsoft.Extensions.Hosting;
using OrleansReco.Grains.Telemetry;
using StackExchange.Redis;

namespace OrleansReco.Silo.Hosting;

/// <summary>
/// Gauge <c>reco.redis.connected</c> on meter <c>OrleansReco</c>: 1 while the silo's own Redis connection (event
/// stream and archive) is up, 0 while it is not; read at each scrape, so an outage shows at once (alert
/// <c>RecoRedisDown</c>). A hosted service only so that the gauge exists from the start.
/// </summary>
public sealed class RedisConnectionMetrics : IHostedService
{
    public RedisConnectionMetrics(IMeterFactory meters, IConnectionMultiplexer redis) =>
        meters.Create(RecoMetrics.MeterName).CreateObservableGauge("reco.redis.connected", () => redis.IsConnected ? 1 : 0,
            unit: null, description: "1 while the silo's Redis connection is up, 0 while it is down.");

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
