using TorchSharp;
using static TorchSharp.torch;

namespace OrleansReco.Training.TwoTower;

public sealed partial class TwoTowerTrainer
{
    /// <summary>Item rows embedded per forward pass when the whole catalog is embedded: bounds the activations held at once.</summary>
    private const int ItemEmbeddingChunk = 4096;

    /// <summary>
    /// Users scored per pass in <see cref="RecallAtK"/>: a pass holds a [chunk, items] score matrix, about 1 GB at a
    /// million items.
    /// </summary>
    private const int RecallUserChunk = 256;

    private double ValidationLoss(BatchBuffers buffers)
    {
        _net.eval();
        using var guard = no_grad();
        var examples = _data.ValidationExamples;
        double sum = 0;
        long count = 0;
        for (int at = 0; at < examples.Length; at += _options.BatchSize)
        {
            int size = Math.Min(_options.BatchSize, examples.Length - at);
            if (size < MinLossBatch) break;
            using var scope = NewDisposeScope();
            sum += Loss(examples.AsSpan(at, size), buffers).item<float>() * size;
            count += size;
        }
        return count > 0 ? sum / count : double.NaN;
    }

    /// <summary>[items, d] embeddings of every item row (no gradient).</summary>
    private Tensor AllItemEmbeddings()
    {
        _net.eval();
        using var guard = no_grad();
        var parts = new List<Tensor>();
        for (int at = 0; at < _data.Items; at += ItemEmbeddingChunk)
        {
            int size = Math.Min(ItemEmbeddingChunk, _data.Items - at);
            using var scope = NewDisposeScope();
            var rows = arange(at, at + size, dtype: ScalarType.Int64, device: _device);
            parts.Add(_net.EmbedItems(_itemBuckets.index_select(0, rows), rows, _itemFeatures).MoveToOuterDisposeScope());
        }
        var all = cat(parts, 0);
        foreach (var p in parts) p.Dispose();
        return all;
    }

    /// <summary>Share of <paramref name="examples"/> whose target item is in the user's top K over all items.</summary>
    internal double RecallAtK(int[] examples, int k)
    {
        if (examples.Length == 0) return double.NaN;
        _net.eval();
        using var guard = no_grad();
        using var items = AllItemEmbeddings();
        int chunk = RecallUserChunk;
        using var buffers = new BatchBuffers(chunk, _options.HistoryLength);
        long hits = 0;
        int kk = Math.Min(k, _data.Items);
        for (int at = 0; at < examples.Length; at += chunk)
        {
            int size = Math.Min(chunk, examples.Length - at);
            using var scope = NewDisposeScope();
            Fill(examples.AsSpan(at, size), buffers);
            var users = _net.EmbedUsers(Staged(ref buffers.HistoryBucketsHost, buffers.HistoryBuckets, size, _options.HistoryLength),
                Staged(ref buffers.HistoryWeightsHost, buffers.HistoryWeights, size, _options.HistoryLength), HistoryTypes(buffers, size), RecentWeights(buffers, size),
                Staged(ref buffers.UserRowsHost, buffers.UserRows, size, 1), _profiles);
            var scores = users.mm(items.t());
            // Like the offline evaluation: items the user already had before the target are not recommended again.
            var maskRows = new List<long>();
            var maskItems = new List<long>();
            for (int b = 0; b < size; b++)
            {
                int j = examples[at + b];
                int target = _data.EventItem[j];
                for (int e = _data.UserStart[_data.EventUser[j]]; e < _data.HistoryEnd[j]; e++)
                {
                    if (_data.EventItem[e] == target) continue;
                    maskRows.Add(b);
                    maskItems.Add(_data.EventItem[e]);
                }
            }
            if (maskRows.Count > 0)
                scores.index_put_(_maskedLogitTensor, tensor(maskRows.ToArray(), device: _device), tensor(maskItems.ToArray(), device: _device));
            var (_, top) = scores.topk(kk, dim: 1);
            var targets = Staged(ref buffers.ItemRowsHost, buffers.ItemRows, size, 1).unsqueeze(1);
            hits += top.eq(targets).any(1).sum().item<long>();
        }
        return (double)hits / examples.Length;
    }
}
