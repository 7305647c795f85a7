using Microsoft.Extensions.Options;
using OrleansReco.Grains.Placement;
using OrleansReco.ServiceDefaults;

namespace OrleansReco.Silo.Hosting;

/// <summary>
/// Which providers a silo uses and where it listens. Bound from configuration section <c>Reco:Cluster</c>; the ids,
/// the client gateway port, Redis and the response timeout are the ones every process of the cluster shares
/// (<see cref="ClusterConnectionOptions"/>).
/// </summary>
public sealed class ClusterHostingOptions : ClusterConnectionOptions
{
    /// <summary><c>Memory</c> (one process, nothing to install) or <c>Redis</c> (clustering, grain state, reminders).</summary>
    public string Provider { get; set; } = "Memory";

    /// <summary><c>serve</c>, <c>train</c> or <c>all</c>; published as silo metadata <c>role</c>.</summary>
    public string Role { get; set; } = "all";

    public int SiloPort { get; set; } = 11111;

    /// <summary>
    /// How grain state is stored in Redis: <c>Json</c> (default; readable with redis-cli, and what earlier releases
    /// wrote) or <c>Binary</c> (Orleans' serializer: several times cheaper per write, not readable by hand). Choose
    /// before the first start: a store written in one format is not read in the other.
    /// </summary>
    public string StateFormat { get; set; } = "Json";

    public bool BinaryState => string.Equals(StateFormat, "Binary", StringComparison.OrdinalIgnoreCase);

    /// <summary>How long a stopping silo may take to hand its grains over (SIGTERM → graceful shutdown). Default 30 s.</summary>
    public TimeSpan ShutdownTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Orleans Kubernetes hosting (pod name, namespace and IP from the downward API; silos of deleted pods are
    /// declared dead at once). Null (the default) turns it on when the silo runs in a pod, i.e. when both
    /// <c>KUBERNETES_SERVICE_HOST</c> and <c>POD_NAMESPACE</c> are set.
    /// </summary>
    public bool? Kubernetes { get; set; }

    /// <summary>
    /// Failure detection: how long a silo waits for a probe answer from another silo (Orleans
    /// <c>ClusterMembershipOptions.ProbeTimeout</c>). Null keeps the Orleans default (5 s). Lower values find a
    /// dead silo sooner; on a starved machine they may also suspect a live one.
    /// </summary>
    public TimeSpan? ProbeTimeout { get; set; }

    /// <summary>Failure detection: missed probes before a silo votes another dead (Orleans default 3).</summary>
    public int? NumMissedProbesLimit { get; set; }

    public bool IsRedis => string.Equals(Provider, "Redis", StringComparison.OrdinalIgnoreCase);

    /// <summary>Whether Kubernetes hosting applies, given the process environment.</summary>
    public bool UsesKubernetes(Func<string, string?> environment) =>
        Kubernetes ?? (!string.IsNullOrEmpty(environment("KUBERNETES_SERVICE_HOST")) && !string.IsNullOrEmpty(environment("POD_NAMESPACE")));
}

/// <summary>Rejects a configuration that cannot start, naming the key (and environment variable) that fixes it.</summary>
public sealed class ClusterHostingOptionsValidator : IValidateOptions<ClusterHostingOptions>
{
    public ValidateOptionsResult Validate(string? name, ClusterHostingOptions o)
    {
        var failures = ClusterConnectionOptionsValidator.Failures(o);
        if (!string.Equals(o.Provider, "Memory", StringComparison.OrdinalIgnoreCase) && !o.IsRedis)
            failures.Add($"Reco:Cluster:Provider (env Reco__Cluster__Provider) must be Memory or Redis, not '{o.Provider}'.");
        if (!SiloRoles.Known.Contains(o.Role, StringComparer.OrdinalIgnoreCase))
            failures.Add($"Reco:Cluster:Role (env Reco__Cluster__Role) must be serve, train or all, not '{o.Role}'.");
        if (!o.BinaryState && !string.Equals(o.StateFormat, "Json", StringComparison.OrdinalIgnoreCase))
            failures.Add($"Reco:Cluster:StateFormat (env Reco__Cluster__StateFormat) must be Json or Binary, not '{o.StateFormat}'.");
        if (o.IsRedis && string.IsNullOrWhiteSpace(o.RedisConnectionString))
            failures.Add("Reco:Cluster:RedisConnectionString (env Reco__Cluster__RedisConnectionString) is required when Provider is Redis.");
        if (o.SiloPort is <= 0 or > 65535)
            failures.Add($"Reco:Cluster:SiloPort must be a TCP port, not {o.SiloPort}.");
        if (o.ShutdownTimeout < TimeSpan.FromSeconds(1) || o.ShutdownTimeout > TimeSpan.FromMinutes(10))
            failures.Add($"Reco:Cluster:ShutdownTimeout (env Reco__Cluster__ShutdownTimeout) must be between 1 s and 10 min, not {o.ShutdownTimeout}.");
        if (o.ProbeTimeout is { } probe && (probe < TimeSpan.FromMilliseconds(200) || probe > TimeSpan.FromMinutes(1)))
            failures.Add($"Reco:Cluster:ProbeTimeout (env Reco__Cluster__ProbeTimeout) must be between 00:00:00.2 and 00:01:00, not {probe}.");
        if (o.NumMissedProbesLimit is { } missed && missed is < 1 or > 10)
            failures.Add($"Reco:Cluster:NumMissedProbesLimit (env Reco__Cluster__NumMissedProbesLimit) must be between 1 and 10, not {missed}.");
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
