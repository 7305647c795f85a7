namespace OrleansReco.LocalCluster;

/// <summary>What kind of cluster <see cref="RecoCluster"/> starts.</summary>
public sealed record ClusterOptions
{
    /// <summary>Silos of role <c>serve</c> (user, shard and recommend grains).</summary>
    public int ServingSilos { get; init; } = 2;

    /// <summary>Adds one silo of role <c>train</c> (the trainer grain; no serving grains).</summary>
    public bool TrainSilo { get; init; } = true;

    /// <summary>
    /// Faster failure detection (probe timeout 2 s, 2 missed probes) and a 10 s grain-call timeout on silos and the
    /// gateway; false keeps the Orleans defaults (5 s, 3 missed probes, 30 s).
    /// </summary>
    public bool FastFailureDetection { get; init; } = true;

    /// <summary>
    /// Workstation GC in every process (the default: several processes share a small machine, and server GC would start
    /// a heap per core in each); false: each process runs with the collector its runtime configuration names, which
    /// for the silo and the gateway is the deployed one (server GC, background collector, DATAS).
    /// </summary>
    public bool WorkstationGc { get; init; } = true;

    /// <summary>Redis <c>appendfsync</c>: <c>always</c> (what the no-loss guarantee relies on) or <c>everysec</c>.</summary>
    public string Fsync { get; init; } = "always";

    /// <summary>Catalogue size (items spread over the shards; below the HNSW threshold, so answers are exact).</summary>
    public int Items { get; init; } = 300;

    /// <summary>Events kept per user (<c>Reco:Users:HistoryLength</c>).</summary>
    public int HistoryLength { get; init; } = 1000;

    /// <summary>
    /// Mutual TLS on every Orleans connection (silo to silo, gateway to silo) with a throwaway cluster CA and member
    /// certificate (<see cref="RecoCluster.Certificates"/>).
    /// </summary>
    public bool Tls { get; init; }

    /// <summary>
    /// Redis with the deployed ACL users (<see cref="RedisUsers"/>): silos connect as the silo user, the gateway as the
    /// gateway user, and unauthenticated connections may only PING.
    /// </summary>
    public bool RedisUsers { get; init; }

    /// <summary>
    /// <c>Reco:Trainer:Interval</c> of the silos: the time between scheduled training runs. Zero (the default here): no
    /// schedule, a run starts only when asked, so that a test or a fault scenario decides when; null: not set, so the
    /// silos follow their configuration (<c>Reco__Trainer__Interval</c> in the environment, else the trainer's default, 1 h).
    /// </summary>
    public TimeSpan? TrainInterval { get; init; } = TimeSpan.Zero;

    /// <summary>Extra environment for every silo (e.g. trainer settings); applied last.</summary>
    public IReadOnlyDictionary<string, string> SiloEnvironment { get; init; } = new Dictionary<string, string>();

    /// <summary>Keeps the work folder (logs, Redis data, bundle) after dispose; otherwise it is deleted.</summary>
    public bool KeepWorkDirectory { get; init; }

    /// <summary>Progress lines (null: quiet).</summary>
    public Action<string>? Log { get; init; }

    /// <summary>The work folder (logs, Redis data); null: a new folder under the temp directory.</summary>
    public string? WorkDirectory { get; init; }

    /// <summary>The gateway's loopback port; 0: a free one.</summary>
    public int GatewayPort { get; init; }

    /// <summary>The model bundle the silos load; null: the small test model (<see cref="SmallModel"/>, seed 1), unless <see cref="NoModel"/>.</summary>
    public string? ModelPath { get; init; }

    /// <summary>Starts without a model (then the gateway is awaited until it listens, not until it is ready).</summary>
    public bool NoModel { get; init; }

    /// <summary>The gateway's admin key (<c>RECO_API_KEY</c>); null: a random one.</summary>
    public string? ApiKey { get; init; }

    /// <summary>The Orleans service id, under which grain state is stored (the same id finds the same state again); null: the cluster id.</summary>
    public string? ServiceId { get; init; }
}
