using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace OrleansReco.ServiceDefaults;

/// <summary>
/// Connects to Redis once when the host starts, before Orleans does, so that refused credentials stop the process
/// with a message naming the keys that fix them (instead of Orleans retrying a connection that can never succeed).
/// A Redis that is not reachable yet is only logged: the providers keep trying in the background.
/// </summary>
public sealed partial class RedisCredentialCheck(ClusterConnectionOptions options, ILogger<RedisCredentialCheck> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var probe = options.RedisConfiguration();
        probe.AbortOnConnectFail = true;
        probe.ConnectRetry = 1;
        try
        {
            await using var connection = await ConnectionMultiplexer.ConnectAsync(probe).WaitAsync(cancellationToken);
        }
        catch (RedisConnectionException e) when (e.FailureType == ConnectionFailureType.AuthenticationFailure || e.Message.Contains("WRONGPASS", StringComparison.Ordinal) || e.Message.Contains("NOAUTH", StringComparison.Ordinal))
        {
            string user = string.IsNullOrEmpty(probe.User) ? "default" : probe.User;
            throw new InvalidOperationException(
                $"Redis refused the credentials of user '{user}': set Reco:Cluster:RedisUser and Reco:Cluster:RedisPassword "
                + "(env Reco__Cluster__RedisUser, Reco__Cluster__RedisPassword; or user=/password= in Reco:Cluster:RedisConnectionString) "
                + $"to an ACL user of that Redis. {e.Message}", e);
        }
        catch (RedisConnectionException e)
        {
            LogUnreachable(logger, e.FailureType, e.Message);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Warning, Message = "Redis is not reachable yet ({FailureType}); the cluster's providers keep trying. {Detail}")]
    private static partial void LogUnreachable(ILogger logger, ConnectionFailureType failureType, string detail);
}

public static class RedisCredentialCheckExtensions
{
    /// <summary>
    /// Adds <see cref="RedisCredentialCheck"/> when <paramref name="options"/> name a Redis. Call it before
    /// <c>UseOrleans</c>/<c>UseOrleansClient</c>: hosted services start in the order they were added.
    /// </summary>
    public static IServiceCollection AddRedisCredentialCheck(this IServiceCollection services, ClusterConnectionOptions options)
    {
        if (!string.IsNullOrWhiteSpace(options.RedisConnectionString))
            services.AddHostedService(sp => new RedisCredentialCheck(options, sp.GetRequiredService<ILogger<RedisCredentialCheck>>()));
        return services;
    }
}
