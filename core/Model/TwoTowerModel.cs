using System.Buffers;
using System.Numerics.Tensors;
using OrleansReco.Core.Data;

namespace OrleansReco.Core.Model;

/// <summary>
/// The two towers of a trained bundle, evaluated in plain C# (no TorchSharp). Immutable after loading and
/// safe for any number of concurrent callers; scratch memory comes from the stack or the shared array pool,
/// so embedding an item or a user allocates nothing in steady state.
/// </summary>
public sealed class TwoTowerModel
{
    private readonly float[] _idTable;
    private readonly float[] _historyTable;
    private readonly Tower _item;
    private readonly Tower _user;
    private readonly UserAttention? _attention;

    /// <summary>Tensor names inside a bundle, shared with the trainer that writes them.</summary>
    public static class TensorNames
    {
        public const string ItemIds = "item.id";
        /// <summary>The user tower's own history table; absent when the history shares <see cref="ItemIds"/>.</summary>
        public const string HistoryIds = "user.history.id";
        public static string Feature(string tower, string feature) => $"{tower}.feature.{feature}";
        public static string Weight(string tower, int layer) => $"{tower}.mlp.{layer}.weight";
        public static string Bias(string tower, int layer) => $"{tower}.mlp.{layer}.bias";
    }

    public TwoTowerModel(ModelBundle bundle)
    {
        ArgumentNullException.ThrowIfNull(bundle);
        Bundle = bundle;
        Header = bundle.Header;
        Dimension = Header.Dimension;
        _idTable = bundle.Tensor(TensorNames.ItemIds, Header.IdBuckets, Dimension).Data;
        _historyTable = bundle.Tensors.ContainsKey(TensorNames.HistoryIds)
            ? bundle.Tensor(TensorNames.HistoryIds, Header.IdBuckets, Dimension).Data
            : _idTable;
        _item = new Tower("item", Header.Item, Dimension, bundle, Dimension);
        // The mean user tower with a short-term mean leads with both: [long-term mean, short-term mean].
        _user = new Tower("user", Header.User, Dimension, bundle, Header.History.HasRecent ? 2 * Dimension : Dimension);
        if (Header.Aggregation == HistoryAggregation.Attention)
            _attention = new UserAttention(Header.Attention!, Dimension, Header.History.Length, bundle);
        ItemColumns = Header.Item.Columns();
        UserColumns = Header.User.Columns();
    }

    /// <summary>Reads the bundle at <paramref name="path"/> (see <see cref="ModelBundle.Read"/> for errors).</summary>
    public static TwoTowerModel Load(string path)
    {
        var bundle = ModelBundle.Read(path);
        try { return new TwoTowerModel(bundle); }
        catch (InvalidDataException e) { throw new InvalidDataException($"Model bundle '{path}': {e.Message}", e); }
    }

    /// <summary>
    /// The bundle this model was built from. It shares the model's large tables (no copy), so holding it costs
    /// little; a trainer on the same silo warm-starts from it instead of downloading and parsing the bundle again.
    /// Callers must not change its arrays.
    /// </summary>
    public ModelBundle Bundle { get; }

    public BundleHeader Header { get; }
    public int Dimension { get; }
    public string Version => Header.Version;
    /// <summary>Item feature columns, in the order <see cref="EmbedItem(string, IReadOnlyList{string}, Span{float})"/> expects.</summary>
    public IReadOnlyList<FeatureColumn> ItemColumns { get; }
    /// <summary>User profile columns, in the order <see cref="EmbedUser(IReadOnlyList{string}, ReadOnlySpan{HistoryEvent}, long, Span{float})"/> expects.</summary>
    public IReadOnlyList<FeatureColumn> UserColumns { get; }
    /// <summary>Rating estimate for a score when the model was trained on ratings, else null.</summary>
    public float? EstimateRating(float score) => Header.Rating?.Estimate(score);

    /// <summary>Row of the shared item-id table for <paramref name="itemId"/> (any id, seen or not).</summary>
    public int ItemBucket(ReadOnlySpan<char> itemId) => FeatureHashing.Bucket(itemId, Header.IdHashSeed, Header.IdBuckets);

    /// <summary>Embeds an item; <paramref name="features"/> holds raw values in <see cref="ItemColumns"/> order (null: none).</summary>
    public void EmbedItem(string itemId, IReadOnlyList<string?>? features, Span<float> destination) =>
        EmbedItem(itemId, features, columnMap: default, destination);

    /// <summary>
    /// Embeds an item whose raw values sit in <paramref name="row"/> at the positions given by
    /// <paramref name="columnMap"/> (from <see cref="TowerSpec.MapColumns"/>; -1 = missing). An empty map means
    /// the row is already in <see cref="ItemColumns"/> order.
    /// </summary>
    public void EmbedItem(string itemId, IReadOnlyList<string?>? row, ReadOnlySpan<int> columnMap, Span<float> destination)
    {
        ArgumentNullException.ThrowIfNull(itemId);
        CheckDestination(destination);
        float[] input = ArrayPool<float>.Shared.Rent(_item.InputWidth);
        try
        {
            var x = input.AsSpan(0, _item.InputWidth);
            x.Clear();
            _idTable.AsSpan(ItemBucket(itemId) * Dimension, Dimension).CopyTo(x);
            _item.EncodeFeatures(row, columnMap, x[Dimension..]);
            _item.Mlp(x, destination);
        }
        finally
        {
            ArrayPool<float>.Shared.Return(input);
        }
    }

    /// <summary>
    /// Embeds a user from profile values (in <see cref="UserColumns"/> order, or null) and history (oldest first; the
    /// last <see cref="HistoryWeighting.Length"/> events are used, aggregated as <see cref="BundleHeader.Aggregation"/>
    /// says). <paramref name="now"/> is unix seconds; for the mean, events after it count as just now. An empty history
    /// gives the profile-only embedding of a new user.
    /// </summary>
    public void EmbedUser(IReadOnlyList<string?>? profile, ReadOnlySpan<HistoryEvent> history, long now, Span<float> destination) =>
        EmbedUser(profile, default, history, now, destination);

    /// <inheritdoc cref="EmbedUser(IReadOnlyList{string}, ReadOnlySpan{HistoryEvent}, long, Span{float})"/>
    public void EmbedUser(IReadOnlyList<string?>? profile, ReadOnlySpan<int> columnMap, ReadOnlySpan<HistoryEvent> history, long now, Span<float> destination)
    {
        CheckDestination(destination);
        var weighting = Header.History;
        if (_attention is not null)
        {
            EmbedUserWithAttention(profile, columnMap, history, destination);
            return;
        }
        int n = Math.Min(history.Length, weighting.Length);
        history = history[^n..];
        bool recent = weighting.HasRecent;
        int lead = recent ? 2 * Dimension : Dimension;
        float[] input = ArrayPool<float>.Shared.Rent(_user.InputWidth + 3 * n);
        long[] times = ArrayPool<long>.Shared.Rent(n);
        try
        {
            var x = input.AsSpan(0, _user.InputWidth);
            var typeWeights = input.AsSpan(_user.InputWidth, n);
            var weights = input.AsSpan(_user.InputWidth + n, n);
            var recentWeights = input.AsSpan(_user.InputWidth + 2 * n, n);
            x.Clear();
            for (int i = 0; i < n; i++)
            {
                typeWeights[i] = weighting.TypeWeight(history[i].EventType, history[i].Value);
                times[i] = Math.Min(history[i].Timestamp, now);
            }
            weighting.Normalised(typeWeights, times.AsSpan(0, n), weights);
            if (recent) weighting.RecentNormalised(typeWeights, recentWeights);
            var mean = x[..Dimension];
            var shortTerm = x[Dimension..lead];
            for (int i = 0; i < n; i++)
            {
                if (weights[i] == 0f && (!recent || recentWeights[i] == 0f)) continue;
                var row = _historyTable.AsSpan(ItemBucket(history[i].ItemId) * Dimension, Dimension);
                if (weights[i] != 0f) TensorPrimitives.MultiplyAdd(row, weights[i], mean, mean);
                if (recent && recentWeights[i] != 0f) TensorPrimitives.MultiplyAdd(row, recentWeights[i], shortTerm, shortTerm);
            }
            _user.EncodeFeatures(profile, columnMap, x[lead..]);
            _user.Mlp(x, destination);
        }
        finally
        {
            ArrayPool<long>.Shared.Return(times);
            ArrayPool<float>.Shared.Return(input);
        }
    }

    private void EmbedUserWithAttention(IReadOnlyList<string?>? profile, ReadOnlySpan<int> columnMap, ReadOnlySpan<HistoryEvent> history, Span<float> destination)
    {
        float[] input = ArrayPool<float>.Shared.Rent(_user.InputWidth);
        try
        {
            var x = input.AsSpan(0, _user.InputWidth);
            x.Clear();
            _attention!.Encode(history, Header.History, _historyTable, Header.IdHashSeed, Header.IdBuckets, x[..Dimension]);
            _user.EncodeFeatures(profile, columnMap, x[Dimension..]);
            _user.Mlp(x, destination);
        }
        finally
        {
            ArrayPool<float>.Shared.Return(input);
        }
    }

    /// <summary>Embeds a user from <see cref="Interaction"/> history (as the evaluation and CLI hold it).</summary>
    public void EmbedUser(IReadOnlyList<string?>? profile, ReadOnlySpan<int> columnMap, IReadOnlyList<Interaction> history, long now, Span<float> destination)
    {
        int n = Math.Min(history.Count, Header.History.Length);
        var events = ArrayPool<HistoryEvent>.Shared.Rent(Math.Max(n, 1));
        try
        {
            for (int i = 0; i < n; i++)
            {
                var e = history[history.Count - n + i];
                events[i] = new HistoryEvent(e.ItemId, e.EventType, e.Value, e.Timestamp);
            }
            EmbedUser(profile, columnMap, events.AsSpan(0, n), now, destination);
        }
        finally
        {
            ArrayPool<HistoryEvent>.Shared.Return(events, clearArray: true);
        }
    }

    private void CheckDestination(Span<float> destination)
    {
        if (destination.Length != Dimension)
            throw new ArgumentException($"Destination has length {destination.Length}; the model's dimension is {Dimension}.", nameof(destination));
    }

    /// <summary>Feature tables and MLP of one tower.</summary>
    private sealed class Tower
    {
        private readonly TowerSpec _spec;
        private readonly float[][] _tables;
        private readonly float[][] _weights;
        private readonly float[][] _biases;
        private readonly int[] _widths;
        private readonly int _maxBag;
        private readonly int _maxWidth;

        /// <param name="leadWidth">Width of the leading id/history vector (the dimension, or twice it for a user tower with the short-term mean).</param>
        public Tower(string name, TowerSpec spec, int dimension, ModelBundle bundle, int leadWidth)
        {
            _spec = spec;
            InputWidth = spec.InputWidth(leadWidth);
            _tables = new float[spec.Features.Count][];
            for (int i = 0; i < spec.Features.Count; i++)
            {
                var f = spec.Features[i];
                _tables[i] = f.IsBag ? bundle.Tensor(TensorNames.Feature(name, f.Name), f.TableRows, f.EmbeddingDim).Data : [];
                if (f.IsBag) _maxBag = Math.Max(_maxBag, f.MaxValues);
            }
            int layers = spec.Hidden.Length + 1;
            _widths = new int[layers + 1];
            _widths[0] = InputWidth;
            for (int k = 0; k < spec.Hidden.Length; k++) _widths[k + 1] = spec.Hidden[k];
            _widths[layers] = dimension;
            _weights = new float[layers][];
            _biases = new float[layers][];
            for (int k = 0; k < layers; k++)
            {
                _weights[k] = bundle.Tensor(TensorNames.Weight(name, k), _widths[k + 1], _widths[k]).Data;
                _biases[k] = bundle.Tensor(TensorNames.Bias(name, k), _widths[k + 1]).Data;
            }
            _maxWidth = _widths.Max();
        }

        public int InputWidth { get; }

        /// <summary>Writes every feature's input columns into <paramref name="x"/> (already zeroed).</summary>
        public void EncodeFeatures(IReadOnlyList<string?>? row, ReadOnlySpan<int> columnMap, Span<float> x)
        {
            Span<int> bag = _maxBag <= 512 ? stackalloc int[_maxBag] : new int[_maxBag];
            int offset = 0;
            for (int i = 0; i < _spec.Features.Count; i++)
            {
                var f = _spec.Features[i];
                string? raw = null;
                if (row is not null)
                {
                    int column = columnMap.IsEmpty ? i : columnMap[i];
                    if (column >= 0 && column < row.Count) raw = row[column];
                }
                if (!f.IsBag)
                {
                    x[offset++] = f.EncodeNumeric(raw);
                    continue;
                }
                var dest = x.Slice(offset, f.EmbeddingDim);
                int count = f.EncodeBag(raw, bag);
                if (count > 0)
                {
                    float w = 1f / count;
                    var table = _tables[i];
                    for (int k = 0; k < count; k++)
                        TensorPrimitives.MultiplyAdd(table.AsSpan(bag[k] * f.EmbeddingDim, f.EmbeddingDim), w, dest, dest);
                }
                offset += f.EmbeddingDim;
            }
        }

        /// <summary>Runs the MLP (ReLU between layers) on <paramref name="input"/> and L2-normalises the result.</summary>
        public void Mlp(ReadOnlySpan<float> input, Span<float> output)
        {
            float[] a = ArrayPool<float>.Shared.Rent(_maxWidth);
            float[] b = ArrayPool<float>.Shared.Rent(_maxWidth);
            try
            {
                ReadOnlySpan<float> x = input;
                int layers = _weights.Length;
                for (int k = 0; k < layers; k++)
                {
                    int inWidth = _widths[k], outWidth = _widths[k + 1];
                    Span<float> y = k == layers - 1 ? output : (k % 2 == 0 ? a : b).AsSpan(0, outWidth);
                    var w = _weights[k];
                    var bias = _biases[k];
                    for (int o = 0; o < outWidth; o++)
                        y[o] = TensorPrimitives.Dot(w.AsSpan(o * inWidth, inWidth), x) + bias[o];
                    if (k < layers - 1) TensorPrimitives.Max(y, 0f, y);
                    x = y;
                }
                float norm = TensorPrimitives.Norm(output);
                TensorPrimitives.Divide(output, Math.Max(norm, 1e-12f), output);
            }
            finally
            {
                ArrayPool<float>.Shared.Return(a);
                ArrayPool<float>.Shared.Return(b);
            }
        }
    }
}
