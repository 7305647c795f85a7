namespace OrleansReco.Core.Index;

/// <summary>
/// Parameters of an HNSW index (Malkov &amp; Yashunin 2018). Defaults follow hnswlib's advice for
/// d = 64 embeddings: M 16, efConstruction 200, efSearch 64 (recall@10 about 0.99 on clustered data).
/// </summary>
public sealed class HnswOptions
{
    /// <summary>Links per node on the upper layers (M). Default 16; 8–48 is the useful range. Layer 0 keeps <see cref="M0"/>.</summary>
    public int M { get; set; } = 16;

    /// <summary>Links per node on layer 0. 0 (default) means 2·M.</summary>
    public int M0 { get; set; }

    /// <summary>Candidate list size while inserting. Default 200; higher builds slower and finds better links.</summary>
    public int EfConstruction { get; set; } = 200;

    /// <summary>Candidate list size of a search when the caller passes ef 0. Default 64. Always raised to at least k.</summary>
    public int EfSearch { get; set; } = 64;

    /// <summary>Seed of the level assignment; a node's level depends only on the seed and its insertion slot.</summary>
    public int Seed { get; set; } = 42;

    /// <summary>Initial capacity in nodes; storage doubles when full. Set it to the expected count to avoid copies.</summary>
    public int InitialCapacity { get; set; } = 1024;

    /// <summary>Fill free link slots with candidates the heuristic pruned (the paper's keepPrunedConnections). Default false, as in hnswlib.</summary>
    public bool KeepPrunedConnections { get; set; }

    /// <summary>Filtered searches whose estimated pass rate is below this fraction scan the allowed items exactly
    /// instead of walking the graph (Vespa switches below about 2%). Default 0.02.</summary>
    public double ExactScanBelowPassRate { get; set; } = 0.02;

    /// <summary>Effective layer-0 link count.</summary>
    internal int MaxM0 => M0 > 0 ? M0 : 2 * M;

    /// <summary>Throws <see cref="ArgumentException"/> naming the first invalid option.</summary>
    public void Validate()
    {
        if (M < 2 || M > 1024) throw new ArgumentException($"HnswOptions.M must be in [2, 1024], not {M}.", nameof(M));
        if (M0 != 0 && (M0 < M || M0 > 4096)) throw new ArgumentException($"HnswOptions.M0 must be 0 (meaning 2·M) or in [M, 4096], not {M0}.", nameof(M0));
        if (EfConstruction < 1) throw new ArgumentException($"HnswOptions.EfConstruction must be positive, not {EfConstruction}.", nameof(EfConstruction));
        if (EfSearch < 1) throw new ArgumentException($"HnswOptions.EfSearch must be positive, not {EfSearch}.", nameof(EfSearch));
        if (InitialCapacity < 1) throw new ArgumentException($"HnswOptions.InitialCapacity must be positive, not {InitialCapacity}.", nameof(InitialCapacity));
        if (!(ExactScanBelowPassRate >= 0 && ExactScanBelowPassRate <= 1))
            throw new ArgumentException($"HnswOptions.ExactScanBelowPassRate must be in [0, 1], not {ExactScanBelowPassRate}.", nameof(ExactScanBelowPassRate));
    }

    /// <summary>A copy, so an index never sees later edits of the caller's object.</summary>
    public HnswOptions Clone() => (HnswOptions)MemberwiseClone();
}
