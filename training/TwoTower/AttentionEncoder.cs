using OrleansReco.Core.Model;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace OrleansReco.Training.TwoTower;

/// <summary>
/// The attention aggregation of the user tower: tokens (history item vector + position by age + event type) through
/// pre-norm causal self-attention layers and a final layer norm; the output is the newest token's row. Windows are
/// right-aligned (the newest event in the last column; padding on the left is masked as keys). A window without
/// events gives a zero vector, as the mean does. The serving twin is <see cref="UserAttention"/> in core.
/// </summary>
internal sealed class AttentionEncoder : nn.Module
{
    private readonly Embedding _position;
    private readonly Embedding _type;
    private readonly ModuleList<AttentionLayer> _layers;
    private readonly LayerNorm _norm;

    public AttentionEncoder(AttentionSpec spec, int dimension, int positions) : base(nameof(AttentionEncoder))
    {
        _position = nn.Embedding(positions, dimension);
        _type = nn.Embedding(spec.TypeRows, dimension);
        nn.init.normal_(_position.weight!, 0, 0.02);
        nn.init.normal_(_type.weight!, 0, 0.02);
        _layers = new ModuleList<AttentionLayer>(Enumerable.Range(0, spec.Layers)
            .Select(_ => new AttentionLayer(dimension, spec.Heads, spec.FeedForward)).ToArray());
        _norm = nn.LayerNorm(dimension, eps: AttentionSpec.NormEpsilon);
        RegisterComponents();
    }

    /// <summary>
    /// [B, d] from history item vectors [B, N, d], event-type tokens [B, N] and the validity of each column [B, N]
    /// (true for an event, false for left padding).
    /// </summary>
    public Tensor Encode(Tensor vectors, Tensor types, Tensor valid)
    {
        long batch = vectors.shape[0], n = vectors.shape[1];
        // Column c holds the event of age n - 1 - c: the position table is read newest-first, so flip it.
        var x = vectors + _position.weight!.narrow(0, 0, n).flip(0).unsqueeze(0) + _type.forward(types);
        if (_layers.Count > 1)
        {
            var causal = ones(n, n, dtype: ScalarType.Bool, device: vectors.device).tril();
            var allowed = causal.unsqueeze(0).unsqueeze(0).logical_and(valid.unsqueeze(1).unsqueeze(1));
            for (int l = 0; l < _layers.Count - 1; l++) x = _layers[l].Full(x, allowed);
        }
        var newest = _layers[^1].Newest(x, valid);
        var output = _norm.forward(newest);
        var any = valid.narrow(1, n - 1, 1).to_type(output.dtype);
        return output * any;
    }

    /// <summary>Every parameter with its tensor name in a bundle (<see cref="UserAttention.Names"/>).</summary>
    public IEnumerable<(string Name, Tensor Parameter)> Named()
    {
        yield return (UserAttention.Names.Position, _position.weight!);
        yield return (UserAttention.Names.Type, _type.weight!);
        for (int l = 0; l < _layers.Count; l++)
            foreach (var (part, module) in _layers[l].Parts())
            {
                yield return (UserAttention.Names.Weight(l, part), module.Weight);
                yield return (UserAttention.Names.Bias(l, part), module.Bias);
            }
        yield return (UserAttention.Names.FinalNormWeight, _norm.weight!);
        yield return (UserAttention.Names.FinalNormBias, _norm.bias!);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _position.Dispose();
            _type.Dispose();
            _layers.Dispose();
            _norm.Dispose();
        }
        base.Dispose(disposing);
    }
}

/// <summary>One pre-norm transformer layer: x + attention(norm1(x)), then + feed-forward(norm2(·)).</summary>
internal sealed class AttentionLayer : nn.Module
{
    private readonly LayerNorm _norm1;
    private readonly Linear _query;
    private readonly Linear _key;
    private readonly Linear _value;
    private readonly Linear _out;
    private readonly LayerNorm _norm2;
    private readonly Linear _ff1;
    private readonly Linear _ff2;
    private readonly int _heads;
    private readonly int _width;
    private readonly Scalar _scale;
    private readonly Scalar _masked = (-1e9f).ToScalar();

    public AttentionLayer(int dimension, int heads, int feedForward) : base(nameof(AttentionLayer))
    {
        _heads = heads;
        _width = dimension / heads;
        _scale = (1f / MathF.Sqrt(_width)).ToScalar();
        _norm1 = nn.LayerNorm(dimension, eps: AttentionSpec.NormEpsilon);
        _query = nn.Linear(dimension, dimension);
        _key = nn.Linear(dimension, dimension);
        _value = nn.Linear(dimension, dimension);
        _out = nn.Linear(dimension, dimension);
        _norm2 = nn.LayerNorm(dimension, eps: AttentionSpec.NormEpsilon);
        _ff1 = nn.Linear(dimension, feedForward);
        _ff2 = nn.Linear(feedForward, dimension);
        RegisterComponents();
    }

    /// <summary>The parameters by part name (as in the bundle), weight and bias.</summary>
    public IEnumerable<(string Part, (Tensor Weight, Tensor Bias) Module)> Parts()
    {
        yield return ("norm1", (_norm1.weight!, _norm1.bias!));
        yield return ("query", (_query.weight!, _query.bias!));
        yield return ("key", (_key.weight!, _key.bias!));
        yield return ("value", (_value.weight!, _value.bias!));
        yield return ("out", (_out.weight!, _out.bias!));
        yield return ("norm2", (_norm2.weight!, _norm2.bias!));
        yield return ("ff1", (_ff1.weight!, _ff1.bias!));
        yield return ("ff2", (_ff2.weight!, _ff2.bias!));
    }

    /// <summary>[B, H, L, w] from [B, L, d].</summary>
    private Tensor SplitHeads(Tensor t) => t.view(t.shape[0], t.shape[1], _heads, _width).transpose(1, 2);

    /// <summary>Softmax attention of queries [B, H, Lq, w] over keys and values [B, H, N, w] where <paramref name="allowed"/> holds.</summary>
    private Tensor Attend(Tensor q, Tensor k, Tensor v, Tensor allowed)
    {
        var scores = q.matmul(k.transpose(-2, -1)) * _scale;
        scores = scores.masked_fill(allowed.logical_not(), _masked);
        return nn.functional.softmax(scores, -1).matmul(v);
    }

    private Tensor FeedForward(Tensor x) => _ff2.forward(nn.functional.relu(_ff1.forward(_norm2.forward(x))));

    /// <summary>The layer on every column: x [B, N, d] → [B, N, d], each column attending where <paramref name="allowed"/> [B, 1, N, N] holds.</summary>
    public Tensor Full(Tensor x, Tensor allowed)
    {
        long batch = x.shape[0], n = x.shape[1];
        var h = _norm1.forward(x);
        var attended = Attend(SplitHeads(_query.forward(h)), SplitHeads(_key.forward(h)), SplitHeads(_value.forward(h)), allowed);
        x = x + _out.forward(attended.transpose(1, 2).reshape(batch, n, _width * _heads));
        return x + FeedForward(x);
    }

    /// <summary>
    /// The layer's output at the newest (last) column only: x [B, N, d] → [B, d]; <paramref name="valid"/> [B, N] marks
    /// the events. With one query the key and value maps need not touch every token: per head, q·(W_k h + b_k) =
    /// (W_kᵀ q)·h + q·b_k, whose last term is the same for every key and cancels in the softmax, and
    /// Σ p (W_v h + b_v) = W_v (Σ p h) + b_v since the p sum to 1. So the query is mapped back into the token space
    /// and the normed tokens are pooled before the value map: O(N·d) per user instead of O(N·d²).
    /// </summary>
    public Tensor Newest(Tensor x, Tensor valid)
    {
        long batch = x.shape[0], n = x.shape[1], d = x.shape[2];
        var h = _norm1.forward(x);
        var last = x.select(1, n - 1);
        var q = _query.forward(h.select(1, n - 1)).view(batch, _heads, 1, _width);
        var keyRows = _key.weight!.view(_heads, _width, d);
        var back = q.matmul(keyRows).squeeze(2);                                  // [B, H, d]
        var scores = h.bmm(back.transpose(1, 2)) * _scale;                        // [B, N, H]
        scores = scores.masked_fill(valid.logical_not().unsqueeze(2), _masked);
        var pooled = nn.functional.softmax(scores, 1).transpose(1, 2).bmm(h);     // [B, H, d]
        var valueRows = _value.weight!.view(_heads, _width, d);
        var heads = pooled.unsqueeze(2).matmul(valueRows.transpose(1, 2)).squeeze(2) + _value.bias!.view(_heads, _width); // [B, H, w]
        var y = last + _out.forward(heads.reshape(batch, _width * _heads));
        return y + FeedForward(y);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            foreach (var m in new nn.Module[] { _norm1, _query, _key, _value, _out, _norm2, _ff1, _ff2 }) m.Dispose();
            _scale.Dispose();
            _masked.Dispose();
        }
        base.Dispose(disposing);
    }
}
