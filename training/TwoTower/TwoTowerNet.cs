using OrleansReco.Core.Model;
using OrleansReco.Training.Torch;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace OrleansReco.Training.TwoTower;

/// <summary>Input of one tower for a batch: the leading [R, d] vector, bag features and numerics.</summary>
internal sealed record TowerInput(Tensor Lead, IReadOnlyList<(Tensor Index, Tensor Weight)> Bags, Tensor? Numeric);

/// <summary>Encoded features of every row of a tower, as device tensors, gathered per batch by row index.</summary>
internal sealed class FeatureTensors : IDisposable
{
    private readonly Tensor[] _index;
    private readonly Tensor[] _weight;
    private readonly Tensor? _numeric;

    public FeatureTensors(TowerArrays arrays, Device device)
    {
        _index = new Tensor[arrays.BagIndex.Length];
        _weight = new Tensor[arrays.BagIndex.Length];
        for (int b = 0; b < _index.Length; b++)
        {
            _index[b] = TorchArrays.From(arrays.BagIndex[b], [arrays.Rows, arrays.BagWidth[b]], device);
            _weight[b] = TorchArrays.From(arrays.BagWeight[b], [arrays.Rows, arrays.BagWidth[b]], device);
        }
        _numeric = arrays.NumericCount > 0 ? TorchArrays.From(arrays.Numeric, [arrays.Rows, arrays.NumericCount], device) : null;
    }

    /// <summary>The tower input of rows <paramref name="rows"/> with <paramref name="lead"/> in front.</summary>
    public TowerInput Gather(Tensor lead, Tensor rows)
    {
        var bags = new (Tensor, Tensor)[_index.Length];
        for (int b = 0; b < bags.Length; b++) bags[b] = (_index[b].index_select(0, rows), _weight[b].index_select(0, rows));
        return new TowerInput(lead, bags, _numeric?.index_select(0, rows));
    }

    public void Dispose()
    {
        foreach (var t in _index) t.Dispose();
        foreach (var t in _weight) t.Dispose();
        _numeric?.Dispose();
    }
}

/// <summary>
/// One tower: lead vector ⊕ bag-feature means ⊕ numerics (in the spec's feature order) → MLP with ReLU → L2 norm.
/// The serving twin is <c>TwoTowerModel.Tower</c> in core; both must stay in step.
/// </summary>
internal sealed class TowerNet : nn.Module<TowerInput, Tensor>
{
    private readonly ModuleList<EmbeddingBag> _bags;
    private readonly ModuleList<Linear> _layers;
    private readonly bool[] _isBag;
    private readonly double _dropout;
    private readonly Generator _random;

    /// <param name="random">The generator of the dropout masks: the network's own, so that a run's draws do not depend on
    /// other work in the process.</param>
    /// <param name="leadWidth">Width of the leading vector: <paramref name="dimension"/> unless given (twice it for a
    /// user tower with the short-term mean).</param>
    /// <param name="dropout">Share of the MLP's input units zeroed in training (<see cref="TwoTowerOptions.Dropout"/>).</param>
    public TowerNet(string name, TowerSpec spec, int dimension, Generator random, int leadWidth = 0, double dropout = 0) : base(name)
    {
        _dropout = dropout;
        _random = random;
        _isBag = spec.Features.Select(f => f.IsBag).ToArray();
        // Fused gather + weighted sum (the weights already hold 1/count, so the sum is the mean).
        _bags = new ModuleList<EmbeddingBag>(spec.Features.Where(f => f.IsBag)
            .Select(f => nn.EmbeddingBag(f.TableRows, f.EmbeddingDim, mode: EmbeddingBagMode.Sum)).ToArray());
        var widths = new List<int> { spec.InputWidth(leadWidth > 0 ? leadWidth : dimension) };
        widths.AddRange(spec.Hidden);
        widths.Add(dimension);
        _layers = new ModuleList<Linear>(Enumerable.Range(0, widths.Count - 1)
            .Select(k => nn.Linear(widths[k], widths[k + 1])).ToArray());
        foreach (var bag in _bags)
            nn.init.normal_(bag.weight!, 0, 0.05);
        RegisterComponents();
    }

    public IList<EmbeddingBag> Bags => _bags;
    public IList<Linear> Layers => _layers;

    public override Tensor forward(TowerInput input)
    {
        var parts = new List<Tensor>(_isBag.Length + 1) { input.Lead };
        int bag = 0, numeric = 0;
        for (int i = 0; i < _isBag.Length; i++)
        {
            if (_isBag[i])
            {
                var (index, weight) = input.Bags[bag];
                parts.Add(_bags[bag].forward(index, null, weight));
                bag++;
            }
            else
            {
                parts.Add(input.Numeric!.narrow(1, numeric, 1));
                numeric++;
            }
        }
        var x = parts.Count == 1 ? input.Lead : cat(parts, 1);
        if (training && _dropout > 0) x = TwoTowerNet.Drop(x, _dropout, _random);
        for (int k = 0; k < _layers.Count; k++)
        {
            x = _layers[k].forward(x);
            if (k < _layers.Count - 1) x = nn.functional.relu(x);
        }
        return nn.functional.normalize(x, p: 2, dim: 1);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _bags.Dispose();
            _layers.Dispose();
        }
        base.Dispose(disposing);
    }
}

/// <summary>
/// Both towers and the item-id table of the item tower; the user tower aggregates (weighted mean, or the attention
/// encoder) either its own history table or the same item-id table over the history. With a short-term mean, the
/// mean user tower leads with two weighted means of the same table: the long-term one and the short-term one.
/// </summary>
internal sealed class TwoTowerNet : nn.Module
{
    private readonly Embedding _ids;
    private readonly EmbeddingBag? _history;
    private readonly TowerNet _item;
    private readonly TowerNet _user;
    private readonly AttentionEncoder? _attention;
    private readonly double _idDropout;
    /// <summary>
    /// The draws of training (id dropout, the towers' dropout) come from this generator, seeded with the run's seed,
    /// not from libtorch's process-wide one: another model created or trained meanwhile in the same process (another
    /// trainer, a test running beside) cannot shift them, so one seed gives one run.
    /// </summary>
    private readonly Generator _random;
    private readonly bool _recent;

    /// <param name="attention">The attention encoder's shape, or null for the weighted mean.</param>
    /// <param name="positions">History window length N (the attention encoder's positions).</param>
    /// <param name="idDropout">Share of item rows whose id vector is zeroed in training (<see cref="TwoTowerOptions.IdDropout"/>).</param>
    /// <param name="recent">The mean user tower also takes the short-term mean (<see cref="HistoryWeighting.RecentHalfLifeEvents"/>).</param>
    public TwoTowerNet(int idBuckets, int dimension, TowerSpec item, TowerSpec user, bool separateHistoryTable,
        AttentionSpec? attention = null, int positions = 0, double idDropout = 0, bool recent = false, double dropout = 0, long seed = 0) : base(nameof(TwoTowerNet))
    {
        if (recent && attention is not null) throw new ArgumentException("The short-term mean belongs to the mean user tower, not to attention.", nameof(recent));
        _recent = recent;
        if (idDropout is < 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(idDropout), idDropout, "must be in [0, 1).");
        _idDropout = idDropout;
        _random = new Generator(unchecked((ulong)seed));
        _ids = nn.Embedding(idBuckets, dimension);
        nn.init.normal_(_ids.weight!, 0, 0.05);
        if (separateHistoryTable)
        {
            _history = nn.EmbeddingBag(idBuckets, dimension, mode: EmbeddingBagMode.Sum);
            nn.init.normal_(_history.weight!, 0, 0.05);
        }
        _item = new TowerNet("item", item, dimension, _random, dropout: dropout);
        _user = new TowerNet("user", user, dimension, _random, recent ? 2 * dimension : dimension, dropout);
        if (attention is not null) _attention = new AttentionEncoder(attention, dimension, positions);
        RegisterComponents();
    }

    public Embedding Ids => _ids;
    /// <summary>The history table of the user tower, or null when it shares <see cref="Ids"/>.</summary>
    public EmbeddingBag? HistoryIds => _history;
    public TowerNet Item => _item;
    public TowerNet User => _user;
    /// <summary>The attention encoder, or null when the user tower takes the weighted mean.</summary>
    public AttentionEncoder? Attention => _attention;

    /// <summary>
    /// [R, d] item embeddings from id buckets [R] and the items' feature rows [R]. In training, a share
    /// <c>idDropout</c> of the rows get a zero id vector (the others theirs scaled by 1 / (1 − share), so its expected
    /// value is unchanged): the tower must then place items from their features too, which carries the many items
    /// whose id vectors see too few events to train. In evaluation (and serving) the id vector is used as it is.
    /// </summary>
    public Tensor EmbedItems(Tensor buckets, Tensor rows, FeatureTensors features)
    {
        var ids = _ids.forward(buckets);
        if (training && _idDropout > 0)
        {
            ids = Drop(ids, _idDropout, _random, [ids.shape[0], 1]);
        }
        return _item.forward(features.Gather(ids, rows));
    }

    /// <summary>
    /// [R, d] user embeddings from history buckets/weights [R, N] and profile rows [R]. With attention the windows are
    /// right-aligned, <paramref name="historyWeights"/> is 1 for an event and 0 for padding, and
    /// <paramref name="historyTypes"/> [R, N] holds the event-type tokens. With the short-term mean,
    /// <paramref name="recentWeights"/> [R, N] holds its normalised weights over the same columns.
    /// </summary>
    public Tensor EmbedUsers(Tensor historyBuckets, Tensor historyWeights, Tensor? historyTypes, Tensor? recentWeights, Tensor profileRows, FeatureTensors profiles)
    {
        if (_recent && recentWeights is null) throw new ArgumentNullException(nameof(recentWeights), "This user tower takes the short-term mean too.");
        if (_attention is not null)
        {
            var table = _history is not null ? _history.weight! : _ids.weight!;
            var vectors = table.index_select(0, historyBuckets.flatten()).view(historyBuckets.shape[0], historyBuckets.shape[1], table.shape[1]);
            var encoded = _attention.Encode(vectors, historyTypes!, historyWeights.to_type(ScalarType.Bool));
            return _user.forward(profiles.Gather(encoded, profileRows));
        }
        // The weights are normalised (zero beyond each history), so a weighted sum is the weighted mean.
        Tensor mean;
        if (_history is not null)
        {
            mean = _history.forward(historyBuckets, null, historyWeights);
            if (_recent) mean = cat([mean, _history.forward(historyBuckets, null, recentWeights!)], 1);
        }
        else
        {
            var vectors = _ids.forward(historyBuckets);
            mean = historyWeights.unsqueeze(1).bmm(vectors).squeeze(1);
            if (_recent) mean = cat([mean, recentWeights!.unsqueeze(1).bmm(vectors).squeeze(1)], 1);
        }
        return _user.forward(profiles.Gather(mean, profileRows));
    }

    /// <summary>
    /// Inverted dropout with masks drawn from <paramref name="random"/>: each unit (or, with <paramref name="maskShape"/>,
    /// each mask cell, broadcast over the rest) is zeroed with probability <paramref name="share"/> and the others scaled
    /// by 1 / (1 − share), so the expected value is unchanged. The mask is drawn on the CPU, where the generator lives,
    /// and moved to the tensor's device.
    /// </summary>
    internal static Tensor Drop(Tensor x, double share, Generator random, long[]? maskShape = null)
    {
        using var draw = rand(maskShape ?? x.shape, generator: random);
        using var keep = draw.ge(share).to_type(x.dtype).to(x.device);
        return x * keep / (1 - share);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _ids.Dispose();
            _history?.Dispose();
            _item.Dispose();
            _user.Dispose();
            _attention?.Dispose();
            _random.Dispose();
        }
        base.Dispose(disposing);
    }
}
