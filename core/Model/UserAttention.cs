using System.Buffers;
using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using System.Text.Json.Serialization;
using OrleansReco.Core.Data;

namespace OrleansReco.Core.Model;

/// <summary>How the user tower turns the history window into its leading d-vector.</summary>
public enum HistoryAggregation
{
    /// <summary>Weighted mean of the history's item vectors (event-type weights, recency half-life).</summary>
    Mean,
    /// <summary>A small causal self-attention encoder over the window; the vector is its output at the newest event.</summary>
    Attention,
}

/// <summary>
/// Shape of the attention encoder of the user tower, stored in the bundle header. Each kept event of the window is a
/// token: its item vector (the history table) + a learned position vector (by age: 0 = newest) + a learned
/// event-type vector. Pre-norm transformer layers (layer norm → multi-head causal self-attention → residual; layer
/// norm → ReLU feed-forward → residual), then a final layer norm; the user vector is the newest token's output.
/// </summary>
public sealed class AttentionSpec
{
    public const float NormEpsilon = 1e-5f;

    public int Layers { get; init; } = 1;
    public int Heads { get; init; } = 2;
    /// <summary>Hidden width of the feed-forward block.</summary>
    public int FeedForward { get; init; } = 128;
    /// <summary>Event types with a vector of their own (token 1, 2, …); any other type shares token 0.</summary>
    public string[] EventTypes { get; init; } = [Data.EventTypes.View, Data.EventTypes.Click, Data.EventTypes.AddToCart, Data.EventTypes.Purchase];
    /// <summary>A rating is a token per half-star level of its value: 0, 0.5, …, (levels − 1) / 2 (higher values share the top).</summary>
    public int RatingLevels { get; init; } = 11;

    /// <summary>Rows of the event-type table.</summary>
    [JsonIgnore] public int TypeRows => 1 + EventTypes.Length + RatingLevels;

    /// <summary>Row of the event-type table for an event.</summary>
    public int TypeToken(string eventType, float value)
    {
        if (string.Equals(eventType, Data.EventTypes.Rating, StringComparison.Ordinal))
        {
            float level = MathF.Round(float.IsFinite(value) ? value * 2f : 0f);
            return 1 + EventTypes.Length + (int)Math.Clamp(level, 0f, RatingLevels - 1);
        }
        int i = Array.IndexOf(EventTypes, eventType);
        return i + 1;
    }

    /// <summary>Checks the shape against the model's dimension; <paramref name="where"/> names the field in errors.</summary>
    public void Validate(string where, int dimension)
    {
        if (Layers is < 1 or > 8) throw new InvalidDataException($"{where}.layers {Layers} must be in [1, 8].");
        if (Heads < 1 || dimension % Heads != 0) throw new InvalidDataException($"{where}.heads {Heads} must be positive and divide the dimension {dimension}.");
        if (FeedForward < 1) throw new InvalidDataException($"{where}.feedForward {FeedForward} must be positive.");
        if (RatingLevels < 1) throw new InvalidDataException($"{where}.ratingLevels {RatingLevels} must be positive.");
        if (EventTypes is null || EventTypes.Any(string.IsNullOrEmpty)) throw new InvalidDataException($"{where}.eventTypes has an empty name.");
    }

    /// <summary>Names and shapes of the encoder's tensors in a bundle (torch layouts: a linear weight is [out, in]).</summary>
    public IEnumerable<(string Name, int[] Shape)> Tensors(int dimension, int positions)
    {
        int d = dimension;
        yield return (UserAttention.Names.Position, [positions, d]);
        yield return (UserAttention.Names.Type, [TypeRows, d]);
        for (int l = 0; l < Layers; l++)
        {
            foreach (string norm in new[] { "norm1", "norm2" })
            {
                yield return (UserAttention.Names.Weight(l, norm), [d]);
                yield return (UserAttention.Names.Bias(l, norm), [d]);
            }
            foreach (string linear in new[] { "query", "key", "value", "out" })
            {
                yield return (UserAttention.Names.Weight(l, linear), [d, d]);
                yield return (UserAttention.Names.Bias(l, linear), [d]);
            }
            yield return (UserAttention.Names.Weight(l, "ff1"), [FeedForward, d]);
            yield return (UserAttention.Names.Bias(l, "ff1"), [FeedForward]);
            yield return (UserAttention.Names.Weight(l, "ff2"), [d, FeedForward]);
            yield return (UserAttention.Names.Bias(l, "ff2"), [d]);
        }
        yield return (UserAttention.Names.FinalNormWeight, [d]);
        yield return (UserAttention.Names.FinalNormBias, [d]);
    }
}

/// <summary>
/// The attention encoder of the user tower in plain C# (the serving twin of the trainer's <c>AttentionEncoder</c>).
/// Immutable after loading; scratch memory comes from the shared array pool, so a refresh allocates nothing in
/// steady state. The last layer is evaluated for the newest token only (its output is the only one used; under the
/// causal mask it equals the full layer's newest row), and with one query the key and value maps are applied to the
/// query and to the pooled tokens instead of to every token, with the layer norm before them folded in from each
/// token's mean and variance (see <see cref="AttendNewest"/>), so a one-layer encoder costs O(N·d + d²) per refresh
/// and writes no normed copy of the tokens.
/// </summary>
public sealed class UserAttention
{
    /// <summary>Tensor names inside a bundle, shared with the trainer.</summary>
    public static class Names
    {
        public const string Position = "user.attention.position";
        public const string Type = "user.attention.type";
        public const string FinalNormWeight = "user.attention.norm.weight";
        public const string FinalNormBias = "user.attention.norm.bias";
        public static string Weight(int layer, string part) => $"user.attention.{layer}.{part}.weight";
        public static string Bias(int layer, string part) => $"user.attention.{layer}.{part}.bias";
    }

    private readonly AttentionSpec _spec;
    private readonly int _d;
    private readonly int _positions;
    private readonly int _headWidth;
    private readonly float _scale;
    private readonly float[] _position;
    private readonly float[] _type;
    private readonly Layer[] _layers;
    private readonly float[] _normWeight;
    private readonly float[] _normBias;
    private readonly float[] _zeros; // the bias of the maps that have none

    /// <summary>
    /// One layer's weights, linear maps transposed to [in, out] for row-times-matrix accumulation. <c>Key</c> is the
    /// torch layout [out, in], whose rows of one head are the [in, out] map that takes a head's query back to token
    /// space; <c>ValueHeadsT</c> holds per head the [in = d, out = head width] transpose of that head's value rows.
    /// </summary>
    private sealed record Layer(
        float[] Norm1Weight, float[] Norm1Bias, float[] QueryT, float[] QueryBias, float[] KeyValueT, float[] KeyValueBias,
        float[] Key, float[] ValueHeadsT, float[] ValueBias, float[] OutT, float[] OutBias, float[] Norm2Weight, float[] Norm2Bias, float[] Ff1T, float[] Ff1Bias, float[] Ff2T, float[] Ff2Bias);

    public UserAttention(AttentionSpec spec, int dimension, int positions, ModelBundle bundle)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(bundle);
        _spec = spec;
        _d = dimension;
        _positions = positions;
        _headWidth = dimension / spec.Heads;
        _scale = 1f / MathF.Sqrt(_headWidth);
        int d = dimension, f = spec.FeedForward;
        float[] T(string name, params int[] shape) => bundle.Tensor(name, shape).Data;
        _position = T(Names.Position, positions, d);
        _type = T(Names.Type, spec.TypeRows, d);
        _layers = new Layer[spec.Layers];
        for (int l = 0; l < spec.Layers; l++)
        {
            float[] W(string part, int rows, int columns) => T(Names.Weight(l, part), rows, columns);
            float[] B(string part, int rows) => T(Names.Bias(l, part), rows);
            _layers[l] = new Layer(
                T(Names.Weight(l, "norm1"), d), B("norm1", d),
                Transpose(W("query", d, d), d, d), B("query", d),
                SideBySide(Transpose(W("key", d, d), d, d), Transpose(W("value", d, d), d, d), d), [.. B("key", d), .. B("value", d)],
                W("key", d, d), HeadsTransposed(W("value", d, d), d, spec.Heads), B("value", d),
                Transpose(W("out", d, d), d, d), B("out", d),
                T(Names.Weight(l, "norm2"), d), B("norm2", d),
                Transpose(W("ff1", f, d), f, d), B("ff1", f),
                Transpose(W("ff2", d, f), d, f), B("ff2", d));
        }
        _normWeight = T(Names.FinalNormWeight, d);
        _normBias = T(Names.FinalNormBias, d);
        _zeros = new float[d];
    }

    /// <summary>
    /// Picks the events the encoder reads: of the last <see cref="HistoryWeighting.Length"/> events, those whose type
    /// weight is positive (a weight of 0 leaves an event out, as in the mean), oldest first. Writes their indices
    /// into <paramref name="picked"/> (length ≥ the window) and returns how many.
    /// </summary>
    public static int Window(HistoryWeighting weighting, ReadOnlySpan<HistoryEvent> history, Span<int> picked)
    {
        int start = Math.Max(0, history.Length - weighting.Length), count = 0;
        for (int i = start; i < history.Length; i++)
            if (weighting.TypeWeight(history[i].EventType, history[i].Value) > 0f) picked[count++] = i;
        return count;
    }

    /// <summary>
    /// Encodes a history (oldest first) into <paramref name="output"/> (length d): the newest kept token's output,
    /// or zeros when the window keeps no event. <paramref name="table"/> is the history table [buckets, d].
    /// </summary>
    public void Encode(ReadOnlySpan<HistoryEvent> history, HistoryWeighting weighting, ReadOnlySpan<float> table, ulong hashSeed, int buckets,
        Span<float> output)
    {
        if (output.Length != _d) throw new ArgumentException($"Output has length {output.Length}; the dimension is {_d}.", nameof(output));
        if (table.Length != buckets * _d) throw new ArgumentException("The history table does not match the bucket count.", nameof(table));
        int d = _d, window = Math.Min(history.Length, _positions), f = _spec.FeedForward;
        // picked: the kept events' indices [window], then their history-table rows [window].
        int[] picked = ArrayPool<int>.Shared.Rent(Math.Max(2 * window, 1));
        // x: tokens [n, d]; h: normed tokens [n, d]; q: queries [n, d]; kv: keys and values [n, 2d] (h, q and kv of
        // all tokens only in the layers before the last); mean, rstd: each token's layer-norm moments [n] each;
        // scores [n]; a: attention output [d]; t: temporary [max(F, d)]; back: [3d].
        int scratch = 5 * window * d + 3 * window + d + Math.Max(f, d) + 3 * d;
        float[] buffer = ArrayPool<float>.Shared.Rent(Math.Max(scratch, 1));
        try
        {
            int n = Window(weighting, history, picked);
            if (n == 0)
            {
                output.Clear();
                return;
            }
            int at = 0;
            Span<float> Take(int length)
            {
                var part = buffer.AsSpan(at, length);
                at += length;
                return part;
            }
            var x = Take(n * d);
            var h = Take(n * d);
            var q = Take(n * d);
            var kv = Take(2 * n * d);
            var mean = Take(n);
            var rstd = Take(n);
            var scores = Take(n);
            var a = Take(d);
            var t = Take(Math.Max(f, d));
            var back = Take(3 * d);
            bool single = _layers.Length == 1;
            // The rows first, each fetched ahead: the history table has about four rows per catalogue item (32 MB at
            // 20,000 items), and each event reads one row at random, so the loads overlap instead of one per token.
            var rows = picked.AsSpan(window, n);
            for (int i = 0; i < n; i++)
            {
                rows[i] = FeatureHashing.Bucket(history[picked[i]].ItemId, hashSeed, buckets);
                CacheHints.Prefetch(table.Slice(rows[i] * d, d));
            }
            for (int i = 0; i < n; i++)
            {
                var e = history[picked[i]];
                int age = n - 1 - i;
                AddThree(table.Slice(rows[i] * d, d), _position.AsSpan(age * d, d), _type.AsSpan(_spec.TypeToken(e.EventType, e.Value) * d, d),
                    x.Slice(i * d, d), out float sum, out float squares);
                if (single) Moments(sum, squares, d, out mean[i], out rstd[i]);
            }
            for (int l = 0; l < _layers.Length; l++)
            {
                var layer = _layers[l];
                var newest = x.Slice((n - 1) * d, d);
                if (l == _layers.Length - 1)
                {
                    // The last layer: the newest token's query only, over the tokens' moments (no normed copies).
                    if (!single)
                        for (int i = 0; i < n; i++) Moments(x.Slice(i * d, d), out mean[i], out rstd[i]);
                    LayerNorm(newest, layer.Norm1Weight, layer.Norm1Bias, h[..d]);
                    Linear(h[..d], layer.QueryT, layer.QueryBias, q[..d]);
                    AttendNewest(layer, q[..d], x, n, mean, rstd, scores, back, a);
                    FeedForward(layer, newest, a, t);
                }
                else
                {
                    for (int i = 0; i < n; i++)
                    {
                        LayerNorm(x.Slice(i * d, d), layer.Norm1Weight, layer.Norm1Bias, h.Slice(i * d, d));
                        Linear(h.Slice(i * d, d), layer.KeyValueT, layer.KeyValueBias, kv.Slice(i * 2 * d, 2 * d));
                        Linear(h.Slice(i * d, d), layer.QueryT, layer.QueryBias, q.Slice(i * d, d));
                    }
                    for (int i = 0; i < n; i++)
                    {
                        Attend(q.Slice(i * d, d), kv, i + 1, scores, a);
                        FeedForward(layer, x.Slice(i * d, d), a, t);
                    }
                }
            }
            LayerNorm(x.Slice((n - 1) * d, d), _normWeight, _normBias, output);
        }
        finally
        {
            ArrayPool<float>.Shared.Return(buffer);
            ArrayPool<int>.Shared.Return(picked);
        }
    }

    /// <summary>
    /// The rest of a layer for one token <paramref name="row"/> given its attention output <paramref name="a"/>:
    /// the output map and residual, then layer norm, the ReLU feed-forward and residual. Overwrites <paramref name="a"/>.
    /// </summary>
    private void FeedForward(Layer layer, Span<float> row, Span<float> a, Span<float> t)
    {
        int d = _d;
        Linear(a, layer.OutT, layer.OutBias, t[..d]);
        TensorPrimitives.Add(row, t[..d], row);
        LayerNorm(row, layer.Norm2Weight, layer.Norm2Bias, a);
        var hidden = t[.._spec.FeedForward];
        Linear(a, layer.Ff1T, layer.Ff1Bias, hidden);
        TensorPrimitives.Max(hidden, 0f, hidden);
        Linear(hidden, layer.Ff2T, layer.Ff2Bias, a);
        TensorPrimitives.Add(row, a, row);
    }

    /// <summary>Multi-head attention of one query over the first <paramref name="count"/> keys and values.</summary>
    private void Attend(ReadOnlySpan<float> query, ReadOnlySpan<float> kv, int count, Span<float> scores, Span<float> output)
    {
        int d = _d, w = _headWidth;
        var p = scores[..count];
        for (int head = 0; head < _spec.Heads; head++)
        {
            int offset = head * w;
            var q = query.Slice(offset, w);
            for (int j = 0; j < count; j++) p[j] = TensorPrimitives.Dot(q, kv.Slice(j * 2 * d + offset, w)) * _scale;
            float max = TensorPrimitives.Max(p);
            TensorPrimitives.Subtract(p, max, p);
            TensorPrimitives.Exp(p, p);
            TensorPrimitives.Divide(p, TensorPrimitives.Sum(p), p);
            var o = output.Slice(offset, w);
            o.Clear();
            for (int j = 0; j < count; j++) TensorPrimitives.MultiplyAdd(kv.Slice(j * 2 * d + d + offset, w), p[j], o, o);
        }
    }

    /// <summary>
    /// Multi-head attention of the newest token's query over all <paramref name="n"/> tokens <paramref name="x"/>
    /// through their layer norm <c>h = γ ∘ (x − μ)·r + β</c> (moments <paramref name="mean"/> μ and
    /// <paramref name="rstd"/> r per token), with the key map, the value map and the norm moved off the tokens. Per
    /// head, the query is mapped back (<c>b = W_kᵀ q</c>; the key bias adds the same to every score and cancels in
    /// the softmax) and folded into the norm (<c>g = γ ∘ b</c>), so a token's score is <c>r·(x·g − μ·Σg)</c> (plus
    /// <c>β·b</c>, the same for all); the pool of normed tokens is <c>γ ∘ (Σ p·r·x − Σ p·r·μ) + β</c> (the p summing
    /// to 1), one matrix-vector product over the tokens, and the value map is applied once to it.
    /// </summary>
    private void AttendNewest(Layer layer, ReadOnlySpan<float> query, ReadOnlySpan<float> x, int n, ReadOnlySpan<float> mean,
        ReadOnlySpan<float> rstd, Span<float> scores, Span<float> scratch, Span<float> output)
    {
        int d = _d, w = _headWidth;
        var p = scores[..n];
        var tokens = x[..(n * d)];
        var back = scratch[..d];
        var folded = scratch.Slice(d, d);
        var pooled = scratch.Slice(2 * d, d);
        var gamma = layer.Norm1Weight.AsSpan();
        for (int head = 0; head < _spec.Heads; head++)
        {
            int offset = head * w;
            Linear(query.Slice(offset, w), layer.Key.AsSpan(offset * d, w * d), _zeros, back);
            TensorPrimitives.Multiply(back, gamma, folded);
            float foldedSum = TensorPrimitives.Sum(folded);
            for (int j = 0; j < n; j++) p[j] = rstd[j] * (TensorPrimitives.Dot(tokens.Slice(j * d, d), folded) - mean[j] * foldedSum) * _scale;
            float max = TensorPrimitives.Max(p);
            TensorPrimitives.Subtract(p, max, p);
            TensorPrimitives.Exp(p, p);
            TensorPrimitives.Divide(p, TensorPrimitives.Sum(p), p);
            TensorPrimitives.Multiply(p, rstd, p);
            float shift = TensorPrimitives.Dot(p, mean);
            Linear(p, tokens, _zeros, pooled);
            TensorPrimitives.Subtract(pooled, shift, pooled);
            TensorPrimitives.MultiplyAdd(pooled, gamma, layer.Norm1Bias, pooled);
            Linear(pooled, layer.ValueHeadsT.AsSpan(head * d * w, d * w), layer.ValueBias.AsSpan(offset, w), output.Slice(offset, w));
        }
    }

    /// <summary>
    /// <c>y[j] = b[j] + Σₖ x[k] · Wᵀ[k, j]</c>, with <paramref name="weightT"/> the [in, out] transpose of a torch linear
    /// weight. Blocks of four vectors of outputs stay in registers while the inputs stream past (one load per
    /// multiply-add instead of a load and store of y per input); the tail beyond whole blocks is scalar.
    /// </summary>
    private static void Linear(ReadOnlySpan<float> x, ReadOnlySpan<float> weightT, ReadOnlySpan<float> bias, Span<float> y)
    {
        int width = y.Length, inputs = x.Length;
        if (weightT.Length != inputs * width || bias.Length != width)
            throw new ArgumentException($"Linear map of {weightT.Length} weights and {bias.Length} biases does not fit {inputs} inputs and {width} outputs.");
        int lanes = Vector<float>.Count, block = 4 * lanes, j = 0;
        ref float w = ref MemoryMarshal.GetReference(weightT);
        ref float b = ref MemoryMarshal.GetReference(bias);
        ref float o = ref MemoryMarshal.GetReference(y);
        if (Vector.IsHardwareAccelerated)
        {
            for (; j + block <= width; j += block)
            {
                var a0 = Vector.LoadUnsafe(ref b, (nuint)j);
                var a1 = Vector.LoadUnsafe(ref b, (nuint)(j + lanes));
                var a2 = Vector.LoadUnsafe(ref b, (nuint)(j + 2 * lanes));
                var a3 = Vector.LoadUnsafe(ref b, (nuint)(j + 3 * lanes));
                for (int k = 0; k < inputs; k++)
                {
                    var xk = new Vector<float>(x[k]);
                    nuint at = (nuint)(k * width + j);
                    a0 = Vector.FusedMultiplyAdd(Vector.LoadUnsafe(ref w, at), xk, a0);
                    a1 = Vector.FusedMultiplyAdd(Vector.LoadUnsafe(ref w, at + (nuint)lanes), xk, a1);
                    a2 = Vector.FusedMultiplyAdd(Vector.LoadUnsafe(ref w, at + (nuint)(2 * lanes)), xk, a2);
                    a3 = Vector.FusedMultiplyAdd(Vector.LoadUnsafe(ref w, at + (nuint)(3 * lanes)), xk, a3);
                }
                a0.StoreUnsafe(ref o, (nuint)j);
                a1.StoreUnsafe(ref o, (nuint)(j + lanes));
                a2.StoreUnsafe(ref o, (nuint)(j + 2 * lanes));
                a3.StoreUnsafe(ref o, (nuint)(j + 3 * lanes));
            }
        }
        for (; j < width; j++)
        {
            float sum = bias[j];
            for (int k = 0; k < inputs; k++) sum += x[k] * weightT[k * width + j];
            y[j] = sum;
        }
    }

    /// <summary><c>y = a + b + c</c>, with the sum and the sum of squares of <c>y</c>, in one pass.</summary>
    private static void AddThree(ReadOnlySpan<float> a, ReadOnlySpan<float> b, ReadOnlySpan<float> c, Span<float> y, out float sum, out float squares)
    {
        int length = y.Length, lanes = Vector<float>.Count, i = 0;
        if (a.Length != length || b.Length != length || c.Length != length) throw new ArgumentException("The three inputs and the output must have one length.");
        ref float ra = ref MemoryMarshal.GetReference(a);
        ref float rb = ref MemoryMarshal.GetReference(b);
        ref float rc = ref MemoryMarshal.GetReference(c);
        ref float ry = ref MemoryMarshal.GetReference(y);
        var vs = Vector<float>.Zero;
        var vq = Vector<float>.Zero;
        if (Vector.IsHardwareAccelerated)
            for (; i + lanes <= length; i += lanes)
            {
                var v = Vector.LoadUnsafe(ref ra, (nuint)i) + Vector.LoadUnsafe(ref rb, (nuint)i) + Vector.LoadUnsafe(ref rc, (nuint)i);
                v.StoreUnsafe(ref ry, (nuint)i);
                vs += v;
                vq = Vector.FusedMultiplyAdd(v, v, vq);
            }
        sum = Vector.Sum(vs);
        squares = Vector.Sum(vq);
        for (; i < length; i++)
        {
            float v = a[i] + b[i] + c[i];
            y[i] = v;
            sum += v;
            squares += v * v;
        }
    }

    /// <summary>Layer-norm moments of <paramref name="x"/>: its mean and <c>1 / √(var + ε)</c>.</summary>
    private static void Moments(ReadOnlySpan<float> x, out float mean, out float rstd) =>
        Moments(TensorPrimitives.Sum(x), TensorPrimitives.Dot(x, x), x.Length, out mean, out rstd);

    /// <summary>Layer-norm moments from sums over <paramref name="length"/> values: the mean and <c>1 / √(var + ε)</c>.</summary>
    private static void Moments(float sum, float squares, int length, out float mean, out float rstd)
    {
        mean = sum / length;
        float variance = Math.Max(squares / length - mean * mean, 0f);
        rstd = 1f / MathF.Sqrt(variance + AttentionSpec.NormEpsilon);
    }

    /// <summary>Torch's layer norm: <c>(x − mean) / √(var + ε) · γ + β</c> with the biased variance.</summary>
    private static void LayerNorm(ReadOnlySpan<float> x, ReadOnlySpan<float> gamma, ReadOnlySpan<float> beta, Span<float> y)
    {
        float mean = TensorPrimitives.Sum(x) / x.Length;
        TensorPrimitives.Subtract(x, mean, y);
        float variance = TensorPrimitives.Dot(y, y) / x.Length;
        TensorPrimitives.Multiply(y, 1f / MathF.Sqrt(variance + AttentionSpec.NormEpsilon), y);
        TensorPrimitives.MultiplyAdd(y, gamma, beta, y);
    }

    /// <summary>Rows of <paramref name="left"/> and <paramref name="right"/> (both [rows, width]) joined into [rows, 2·width].</summary>
    private static float[] SideBySide(float[] left, float[] right, int width)
    {
        var joined = new float[left.Length * 2];
        for (int r = 0; r < left.Length / width; r++)
        {
            left.AsSpan(r * width, width).CopyTo(joined.AsSpan(2 * r * width));
            right.AsSpan(r * width, width).CopyTo(joined.AsSpan((2 * r + 1) * width));
        }
        return joined;
    }

    /// <summary>
    /// A torch linear weight [d out, d in] as per-head blocks: for each head, the [in = d, out = width] transpose of
    /// its <paramref name="heads"/>-th share of the rows.
    /// </summary>
    private static float[] HeadsTransposed(float[] m, int d, int heads)
    {
        int w = d / heads;
        var blocks = new float[m.Length];
        for (int head = 0; head < heads; head++)
            for (int i = 0; i < w; i++)
                for (int c = 0; c < d; c++)
                    blocks[head * d * w + c * w + i] = m[(head * w + i) * d + c];
        return blocks;
    }

    private static float[] Transpose(float[] m, int rows, int columns)
    {
        var t = new float[m.Length];
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < columns; c++)
                t[c * rows + r] = m[r * columns + c];
        return t;
    }
}
