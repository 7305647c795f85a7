namespace OrleansReco.LocalCluster;

/// <summary>What a fault action can do: the cluster, the load (its clock, to mark the fault) and a log.</summary>
public sealed class FaultContext(RecoCluster cluster, LoadGenerator load, Action<string> log, CancellationToken cancellation)
{
    public RecoCluster Cluster => cluster;
    public LoadGenerator Load => load;
    public CancellationToken Cancellation => cancellation;
    /// <summary>When each fault happened (seconds since the load began), in order.</summary>
    public List<double> Faults { get; } = [];
    public List<string> Notes { get; } = [];

    /// <summary>Records now as the moment of a fault (a scenario may have several, e.g. scale out then scale in).</summary>
    public void MarkFault()
    {
        lock (Faults) Faults.Add(load.Now);
    }

    /// <summary>Seconds since the load began.</summary>
    public double Now => load.Now;

    public void Log(string line) => log($"  [{load.Now,6:F2} s] {line}");

    /// <summary>Waits until <paramref name="seconds"/> after the load began.</summary>
    public Task AtAsync(double seconds) => Task.Delay(TimeSpan.FromSeconds(Math.Max(0, seconds - load.Now)), cancellation);
}

/// <summary>A fault scenario: a name, the cluster it needs and what it does while the load runs.</summary>
public sealed record Scenario(string Name, string Description, Func<FaultContext, Task> Fault)
{
    public ClusterOptions? Cluster { get; init; }
    /// <summary>Whether the model may change during the scenario (then answers are checked against the current version only).</summary>
    public bool ChangesModel { get; init; }
    /// <summary>Whether the model must have moved to a new version by the end (a publication the fault must not undo).</summary>
    public bool RequiresNewModel { get; init; }
    /// <summary>Redis <c>appendfsync</c> of this scenario (null: the run's).</summary>
    public string? Fsync { get; init; }
    /// <summary>Run on the ready cluster before the probes and the load (e.g. a silo that must join first).</summary>
    public Func<RecoCluster, Action<string>, Task>? Setup { get; init; }
    /// <summary>Changes to the run's load for this scenario (e.g. longer, or more retries).</summary>
    public Func<LoadOptions, LoadOptions>? Load { get; init; }
    /// <summary>
    /// Seconds before each fault in which acknowledged events may be lost (Redis <c>appendfsync everysec</c>: 1);
    /// 0: no acknowledged event may be lost.
    /// </summary>
    public double LossWindowS { get; init; }
}
