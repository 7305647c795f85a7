using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace OrleansReco.ServiceDefaults;

/// <summary>
/// How a process finds the cluster: its ids, the client gateway port and Redis. Bound from section
/// <c>Reco:Cluster</c>; the gateway's Orleans client reads exactly this, a silo reads more (its
/// <c>ClusterHostingOptions</c> extends this class).
/// </summary>
public class ClusterConnectionOptions
{
    public const string Section = "Reco:Cluster";

    public string ClusterId { get; set; } = "reco";
    public string ServiceId { get; set; } = "orleans-reco";

    /// <summary>Port on which silos accept clients (and a client looks for a silo on this machine when there is no Redis).</summary>
    public int GatewayPort { get; set; } = 30000;

    /// <summary>
    /// StackExchange.Redis configuration string: where the cluster's membership is kept (and, for silos, their state).
    /// It may carry <c>user=</c>, <c>password=</c> and <c>ssl=true</c> itself; the keys below override or add to it.
    /// </summary>
    public string? RedisConnectionString { get; set; }

    /// <summary>Redis ACL user (overrides <c>user=</c> of the connection string); e.g. from a Secret.</summary>
    public string? RedisUser { get; set; }

    /// <summary>Redis password (overrides <c>password=</c> of the connection string); e.g. from a Secret.</summary>
    public string? RedisPassword { get; set; }

    /// <summary>TLS to Redis (<c>ssl=true</c>); null leaves it to the connection string.</summary>
    public bool? RedisTls { get; set; }

    /// <summary>PEM file of the certificate authority Redis' TLS certificate must chain to (a private CA); setting it turns TLS on.</summary>
    public string? RedisCaPath { get; set; }

    /// <summary>TLS of the Orleans connections (<c>Reco:Cluster:Tls</c>).</summary>
    public ClusterTlsOptions Tls { get; set; } = new();

    /// <summary>
    /// The StackExchange.Redis configuration every Redis connection of the process uses (the Orleans providers and
    /// the silo's own multiplexer): <see cref="RedisConnectionString"/> with <see cref="RedisUser"/>,
    /// <see cref="RedisPassword"/>, <see cref="RedisTls"/> and <see cref="RedisCaPath"/> applied.
    /// </summary>
    public ConfigurationOptions RedisConfiguration()
    {
        var configuration = ConfigurationOptions.Parse(RedisConnectionString ?? throw new InvalidOperationException("Reco:Cluster:RedisConnectionString is not set."));
        if (!string.IsNullOrEmpty(RedisUser)) configuration.User = RedisUser;
        if (!string.IsNullOrEmpty(RedisPassword)) configuration.Password = RedisPassword;
        if (RedisTls is { } tls) configuration.Ssl = tls;
        if (!string.IsNullOrWhiteSpace(RedisCaPath))
        {
            configuration.Ssl = true;
            configuration.TrustIssuer(RedisCaPath);
        }
        return configuration;
    }

    /// <summary>
    /// The Orleans Dashboard: on silos its per-silo collector and grain-call profiler, on the gateway (alone or in the
    /// single-process host) its UI at <c>/dashboard</c>, for admin keys. Set it on every process of the cluster.
    /// </summary>
    public bool Dashboard { get; set; }

    /// <summary>
    /// How long a grain call may wait for its answer before it fails with a timeout (Orleans
    /// <c>MessagingOptions.ResponseTimeout</c>, default 30 s); applies to silos and to the gateway's client.
    /// </summary>
    public TimeSpan? ResponseTimeout { get; set; }
}

/// <summary>Rejects a cluster connection that cannot work, naming the key (and environment variable) that fixes it.</summary>
public sealed class ClusterConnectionOptionsValidator : IValidateOptions<ClusterConnectionOptions>
{
    public ValidateOptionsResult Validate(string? name, ClusterConnectionOptions o)
    {
        var failures = Failures(o);
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    /// <summary>Every problem of <paramref name="o"/>, for validators of options that extend it.</summary>
    public static List<string> Failures(ClusterConnectionOptions o)
    {
        var failures = new List<string>();
        if (o.GatewayPort is <= 0 or > 65535)
            failures.Add($"Reco:Cluster:GatewayPort must be a TCP port, not {o.GatewayPort}.");
        if (string.IsNullOrWhiteSpace(o.ClusterId) || string.IsNullOrWhiteSpace(o.ServiceId))
            failures.Add("Reco:Cluster:ClusterId and Reco:Cluster:ServiceId must not be empty.");
        if (o.ResponseTimeout is { } response && (response < TimeSpan.FromMilliseconds(500) || response > TimeSpan.FromMinutes(10)))
            failures.Add($"Reco:Cluster:ResponseTimeout (env Reco__Cluster__ResponseTimeout) must be between 00:00:00.5 and 00:10:00, not {response}.");
        if (!string.IsNullOrWhiteSpace(o.RedisConnectionString))
        {
            try
            {
                ConfigurationOptions.Parse(o.RedisConnectionString);
            }
            catch (ArgumentException e)
            {
                // The message names the bad keyword; the string itself may hold a password and is not repeated.
                failures.Add($"Reco:Cluster:RedisConnectionString (env Reco__Cluster__RedisConnectionString) is not a StackExchange.Redis configuration string: {e.Message}");
            }
        }
        if (!string.IsNullOrWhiteSpace(o.RedisCaPath) && !File.Exists(o.RedisCaPath))
            failures.Add($"Reco:Cluster:RedisCaPath names '{o.RedisCaPath}', which does not exist (env Reco__Cluster__RedisCaPath).");
        failures.AddRange(o.Tls.Failures());
        return failures;
    }
}
