using TorchSharp;
using static TorchSharp.torch;

namespace OrleansReco.Training.TwoTower;

public sealed partial class TwoTowerTrainer
{
    /// <summary>
    /// The smallest batch a loss is computed on: the in-batch softmax needs another example as a negative. A
    /// shorter last batch of an epoch or of the validation set is skipped.
    /// </summary>
    private const int MinLossBatch = 2;

    /// <summary>Reusable host arrays of one batch.</summary>
    private sealed class BatchBuffers(int batch, int history)
    {
        /// <summary>Examples filled in (the batch may be short at the end of an epoch).</summary>
        public int Size;
        public readonly long[] ItemRows = new long[batch];
        public readonly long[] Buckets = new long[batch];
        public readonly long[] UserRows = new long[batch];
        public readonly long[] HistoryBuckets = new long[batch * history];
        public readonly float[] HistoryWeights = new float[batch * history];
        /// <summary>The short-term mean's weights (filled only when the model has one).</summary>
        public readonly float[] RecentWeights = new float[batch * history];
        public readonly long[] HistoryTypes = new long[batch * history];
    }

    /// <summary>
    /// Double-buffered batch assembly: while the model trains on one batch, a worker fills the next one's history
    /// windows and weights on the host, so the data pipeline overlaps the model step.
    /// </summary>
    private sealed class BatchPipeline
    {
        private readonly TwoTowerTrainer _trainer;
        private readonly int[] _examples;
        private readonly int _batch;
        private readonly BatchBuffers[] _buffers;
        private Task? _pending;
        private int _at;
        private int _current;

        public BatchPipeline(TwoTowerTrainer trainer, int[] examples, int batch)
        {
            _trainer = trainer;
            _examples = examples;
            _batch = batch;
            _buffers = [new BatchBuffers(batch, trainer._options.HistoryLength), new BatchBuffers(batch, trainer._options.HistoryLength)];
            Start();
        }

        /// <summary>The next filled batch (null at the end of the examples); starts filling the one after.</summary>
        public BatchBuffers? Next()
        {
            if (_pending is null) return null;
            _pending.Wait();
            var ready = _buffers[_current];
            _current ^= 1;
            Start();
            return ready.Size >= MinLossBatch ? ready : null;
        }

        private void Start()
        {
            int at = _at, size = Math.Min(_batch, _examples.Length - at);
            if (size <= 0)
            {
                _pending = null;
                return;
            }
            _at += size;
            var target = _buffers[_current];
            // The current scheduler, not the pool: under TorchThreads.RunAsync that is a thread at training's priority.
            _pending = Task.Factory.StartNew(() => _trainer.Fill(_examples.AsSpan(at, size), target), CancellationToken.None, TaskCreationOptions.None, TaskScheduler.Current);
        }
    }

    /// <summary>The tensors of one batch: the data pipeline's output and the model's input.</summary>
    private sealed record BatchTensors(Tensor ItemRows, Tensor Buckets, Tensor UserRows, Tensor HistoryBuckets, Tensor HistoryWeights, Tensor? HistoryTypes,
        Tensor? RecentWeights);

    /// <summary>Assembles a batch on the host (history windows and weights) and moves it to the device.</summary>
    private BatchTensors Prepare(ReadOnlySpan<int> examples, BatchBuffers buffers)
    {
        Fill(examples, buffers);
        return ToDevice(buffers);
    }

    private void Fill(ReadOnlySpan<int> examples, BatchBuffers buffers)
    {
        _data.FillBatch(examples, buffers.ItemRows, buffers.Buckets, buffers.UserRows, buffers.HistoryBuckets, buffers.HistoryWeights, buffers.HistoryTypes, buffers.RecentWeights);
        buffers.Size = examples.Length;
    }

    private BatchTensors ToDevice(BatchBuffers buffers)
    {
        int size = buffers.Size, n = _options.HistoryLength;
        return new BatchTensors(Tensor(buffers.ItemRows, size, 1), Tensor(buffers.Buckets, size, 1), Tensor(buffers.UserRows, size, 1),
            Tensor(buffers.HistoryBuckets, size, n), Tensor(buffers.HistoryWeights, size, n), HistoryTypes(buffers, size), RecentWeights(buffers, size));
    }

    /// <summary>The batch's event-type tokens for the attention encoder, or null for the mean.</summary>
    private Tensor? HistoryTypes(BatchBuffers buffers, int size) =>
        _net.Attention is null ? null : Tensor(buffers.HistoryTypes, size, _options.HistoryLength);

    /// <summary>The batch's short-term mean weights, or null when the model has no short-term mean.</summary>
    private Tensor? RecentWeights(BatchBuffers buffers, int size) =>
        _schema.History.HasRecent && _net.Attention is null ? Tensor(buffers.RecentWeights, size, _options.HistoryLength) : null;

    private Tensor Tensor(long[] data, int rows, int columns) =>
        rows * columns == data.Length
            ? tensor(data, columns == 1 ? [rows] : [rows, columns], device: _device)
            : tensor(data.AsSpan(0, rows * columns).ToArray(), columns == 1 ? [rows] : [rows, columns], device: _device);

    private Tensor Tensor(float[] data, int rows, int columns) =>
        rows * columns == data.Length
            ? tensor(data, [rows, columns], device: _device)
            : tensor(data.AsSpan(0, rows * columns).ToArray(), [rows, columns], device: _device);
}
