using TorchSharp;
using static TorchSharp.torch;

namespace OrleansReco.Training.TwoTower;

public sealed partial class TwoTowerTrainer
{
    /// <summary>The batch's user and positive-item embeddings (inside the caller's dispose scope).</summary>
    private (Tensor Users, Tensor Items, Tensor ItemRows) Forward(BatchTensors batch)
    {
        var items = _net.EmbedItems(batch.Buckets, batch.ItemRows, _itemFeatures);
        var users = _net.EmbedUsers(batch.HistoryBuckets, batch.HistoryWeights, batch.HistoryTypes, batch.RecentWeights, batch.UserRows, _profiles);
        return (users, items, batch.ItemRows);
    }

    private (Tensor Users, Tensor Items, Tensor ItemRows) Forward(ReadOnlySpan<int> examples, BatchBuffers buffers) => Forward(Prepare(examples, buffers));

    /// <summary>[size, size] mask of the off-diagonal cells (kept for the full batch size, made for a short last batch).</summary>
    private Tensor OffDiagonal(int size)
    {
        if (size != _options.BatchSize) return eye(size, dtype: ScalarType.Bool, device: _device).logical_not();
        if (_offDiagonal is null)
        {
            using var outer = NewDisposeScope();
            _offDiagonal = eye(size, dtype: ScalarType.Bool, device: _device).logical_not().MoveToOuterDisposeScope();
            _offDiagonal.DetachFromDisposeScope();
        }
        return _offDiagonal;
    }

    private Tensor SampleItems(int count)
    {
        var rows = new long[count];
        for (int i = 0; i < count; i++) rows[i] = _rng.Next(_data.Items);
        return tensor(rows, device: _device);
    }

    private Tensor Loss(ReadOnlySpan<int> examples, BatchBuffers buffers) => Loss(Prepare(examples, buffers));

    /// <summary>The loss of one prepared batch under the configured objective.</summary>
    private Tensor Loss(BatchTensors batch)
    {
        var (users, items, itemRows) = Forward(batch);
        int size = (int)itemRows.shape[0];
        var inverseT = _inverseTemperature;
        switch (_options.Loss)
        {
            case LossKind.SampledSoftmax:
            {
                var logits = users.mm(items.t()) * inverseT;
                var extra = _options.UniformNegatives;
                Tensor? negativeRows = extra > 0 ? SampleItems(extra) : null;
                // The teachers' logits take the same correction and masks as the model's (in training only: the
                // validation loss stays the plain one, comparable with a run without teachers).
                var (teacher, teacherNegatives) = _teachers.Count > 0 && _net.training ? TeacherLogits(batch, negativeRows) : (null, null);
                if (_options.LogQCorrection)
                {
                    using var logSize = ((float)Math.Log(size)).ToScalar();
                    var logQ = _logPopularity.index_select(0, itemRows) + logSize;
                    if (_options.LogQWeight != 1f)
                    {
                        using var weight = _options.LogQWeight.ToScalar();
                        logQ = logQ * weight;
                    }
                    logits = logits - logQ.unsqueeze(0);
                    if (teacher is not null) teacher = teacher - logQ.unsqueeze(0);
                }
                // Another row's positive is not a negative of this row when it is the same item, or (the seen mask)
                // an item this row's user already has.
                var duplicate = itemRows.unsqueeze(0).eq(itemRows.unsqueeze(1)).logical_and(OffDiagonal(size));
                if (batch.SeenMask is not null) duplicate = duplicate.logical_or(batch.SeenMask);
                logits = logits.masked_fill(duplicate, _maskedLogit);
                teacher = teacher?.masked_fill(duplicate, _maskedLogit);
                if (negativeRows is not null)
                {
                    var negatives = _net.EmbedItems(_itemBuckets.index_select(0, negativeRows), negativeRows, _itemFeatures);
                    var negativeLogits = users.mm(negatives.t()) * inverseT;
                    using var logShare = ((float)Math.Log((double)extra / _data.Items)).ToScalar();
                    if (_options.LogQCorrection)
                    {
                        negativeLogits = negativeLogits - logShare;
                        teacherNegatives = teacherNegatives?.sub(logShare);
                    }
                    var ownItem = itemRows.unsqueeze(1).eq(negativeRows.unsqueeze(0));
                    logits = cat([logits, negativeLogits.masked_fill(ownItem, _maskedLogit)], 1);
                    if (teacher is not null) teacher = cat([teacher, teacherNegatives!.masked_fill(ownItem, _maskedLogit)], 1);
                }
                var labels = arange(size, dtype: ScalarType.Int64, device: _device);
                var hard = nn.functional.cross_entropy(logits, labels);
                return teacher is null ? hard : Distilled(logits, hard, teacher);
            }
            case LossKind.Bce:
            case LossKind.Bpr:
            {
                var negativeRows = SampleItems(_options.SampledNegatives);
                var negatives = _net.EmbedItems(_itemBuckets.index_select(0, negativeRows), negativeRows, _itemFeatures);
                var positive = (users * items).sum(1) * inverseT;
                var negative = users.mm(negatives.t()) * inverseT;
                if (_options.Loss == LossKind.Bpr)
                    return nn.functional.softplus(negative - positive.unsqueeze(1)).mean();
                var positiveLoss = nn.functional.binary_cross_entropy_with_logits(positive, ones_like(positive));
                var negativeLoss = nn.functional.binary_cross_entropy_with_logits(negative, zeros_like(negative));
                return positiveLoss + negativeLoss;
            }
            default:
                throw new InvalidOperationException($"Unknown loss {_options.Loss}.");
        }
    }
}
