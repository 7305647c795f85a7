using OrleansReco.Core.Data;
using OrleansReco.Core.Model;
using TorchSharp;
using static TorchSharp.torch;

namespace OrleansReco.Training.TwoTower;

public sealed partial class TwoTowerTrainer
{
    /// <summary>TorchSharp's item embeddings for raw (id, features in spec order) pairs: the reference for parity tests.</summary>
    internal float[][] TorchEmbedItems(IReadOnlyList<(string Id, IReadOnlyList<string?>? Features)> items)
    {
        _net.eval();
        using var guard = no_grad();
        using var scope = NewDisposeScope();
        var arrays = TowerArrays.Encode(_schema.Item, items.Count, r => items[r].Features, []);
        using var features = new FeatureTensors(arrays, _device);
        var buckets = items.Select(i => (long)FeatureHashing.Bucket(i.Id, _schema.IdHashSeed, _schema.IdBuckets)).ToArray();
        var result = _net.EmbedItems(tensor(buckets, device: _device), arange(items.Count, dtype: ScalarType.Int64, device: _device), features);
        return Rows(result);
    }

    /// <summary>TorchSharp's user embeddings for raw (profile in spec order, history oldest first, now) triples.</summary>
    internal float[][] TorchEmbedUsers(IReadOnlyList<(IReadOnlyList<string?>? Profile, HistoryEvent[] History, long Now)> users)
    {
        _net.eval();
        using var guard = no_grad();
        using var scope = NewDisposeScope();
        int n = _options.HistoryLength;
        var arrays = TowerArrays.Encode(_schema.User, users.Count, r => users[r].Profile, []);
        using var profiles = new FeatureTensors(arrays, _device);
        var buckets = new long[users.Count * n];
        var weights = new float[users.Count * n];
        var recent = new float[users.Count * n];
        var tokens = new long[users.Count * n];
        for (int r = 0; r < users.Count; r++)
        {
            if (_schema.Attention is { } attention)
            {
                var picked = new int[n];
                int count = UserAttention.Window(_schema.History, users[r].History, picked);
                for (int k = 0; k < count; k++)
                {
                    var e = users[r].History[picked[k]];
                    int column = r * n + n - count + k;
                    buckets[column] = FeatureHashing.Bucket(e.ItemId, _schema.IdHashSeed, _schema.IdBuckets);
                    tokens[column] = attention.TypeToken(e.EventType, e.Value);
                    weights[column] = 1f;
                }
                continue;
            }
            var history = users[r].History.TakeLast(n).ToArray();
            var types = history.Select(e => _schema.History.TypeWeight(e.EventType, e.Value)).ToArray();
            var times = history.Select(e => Math.Min(e.Timestamp, users[r].Now)).ToArray();
            _schema.History.Normalised(types, times, weights.AsSpan(r * n, history.Length));
            if (_schema.History.HasRecent) _schema.History.RecentNormalised(types, recent.AsSpan(r * n, history.Length));
            for (int k = 0; k < history.Length; k++)
                buckets[r * n + k] = FeatureHashing.Bucket(history[k].ItemId, _schema.IdHashSeed, _schema.IdBuckets);
        }
        var result = _net.EmbedUsers(tensor(buckets, [users.Count, n], device: _device), tensor(weights, [users.Count, n], device: _device),
            _schema.Attention is null ? null : tensor(tokens, [users.Count, n], device: _device),
            _schema.History.HasRecent ? tensor(recent, [users.Count, n], device: _device) : null, arange(users.Count, dtype: ScalarType.Int64, device: _device), profiles);
        return Rows(result);
    }

    /// <summary>
    /// The first <paramref name="count"/> training examples as (user, target item) ids, and the seen-negatives mask
    /// of a batch of them as the loss gets it ([count, count], true = masked); null mask when the loss uses none.
    /// </summary>
    internal ((string User, string Item)[] Examples, bool[,]? Mask) SeenMaskOfFirstExamples(int count)
    {
        var examples = _data.TrainExamples.AsSpan(0, count);
        var ids = new (string, string)[count];
        for (int b = 0; b < count; b++) ids[b] = (_data.UserIds[_data.EventUser[examples[b]]], _data.ItemIds[_data.EventItem[examples[b]]]);
        using var buffers = LossBuffers(count + 3); // wider than the batch: rows are laid out at the buffers' stride
        using var scope = NewDisposeScope();
        var mask = Prepare(examples, buffers).SeenMask;
        if (mask is null) return (ids, null);
        var flat = mask.cpu().data<bool>().ToArray();
        var result = new bool[count, count];
        for (int r = 0; r < count; r++)
            for (int c = 0; c < count; c++) result[r, c] = flat[r * count + c];
        return (ids, result);
    }

    /// <summary>
    /// The first <paramref name="count"/> training examples as (user, target item) ids with the item ids of the history
    /// window the batch gives each (the events of weight above 0, oldest first), read back from the filled batch.
    /// </summary>
    internal (string User, string Item, string[] History)[] HistoriesOfFirstExamples(int count)
    {
        var examples = _data.TrainExamples.AsSpan(0, count);
        var itemOfBucket = new Dictionary<long, string>();
        for (int r = 0; r < _data.Items; r++) itemOfBucket.TryAdd(_data.ItemBucket[r], _data.ItemIds[r]);
        int n = _options.HistoryLength;
        using var buffers = new BatchBuffers(count, n);
        Fill(examples, buffers);
        var result = new (string, string, string[])[count];
        for (int b = 0; b < count; b++)
        {
            var history = new List<string>();
            for (int c = b * n; c < (b + 1) * n; c++)
                if (buffers.HistoryWeights[c] > 0) history.Add(itemOfBucket[buffers.HistoryBuckets[c]]);
            result[b] = (_data.UserIds[_data.EventUser[examples[b]]], _data.ItemIds[_data.EventItem[examples[b]]], history.ToArray());
        }
        return result;
    }

    private static float[][] Rows(Tensor t)
    {
        var flat = t.cpu().data<float>().ToArray();
        int d = (int)t.shape[1];
        return Enumerable.Range(0, (int)t.shape[0]).Select(r => flat.AsSpan(r * d, d).ToArray()).ToArray();
    }
}
