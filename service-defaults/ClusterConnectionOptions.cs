using Microsoft.Extensions.Options;

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

    /// <summary>StackExchange.Redis configuration string: where the cluster's membership is kept (and, for silos, their state).</summary>
    public string? RedisConnectionString { get; set; }

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
        return failures;
    }
}
