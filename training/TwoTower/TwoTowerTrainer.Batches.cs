using OrleansReco.Training.Torch;
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

    /// <summary>
    /// Reusable host arrays of one batch, and the host tensors they are copied into. <c>torch.tensor(T[])</c> clones
    /// its array (a managed allocation of the batch's size, on the large-object heap for the history columns, on every
    /// step); copying into tensors made once allocates no batch-sized arrays per step.
    /// </summary>
    /// <param name="maskItems">Items of the catalogue when the batch carries the seen-negatives mask
    /// (<see cref="TwoTowerOptions.MaskSeenNegatives"/>); 0 without one.</param>
    private sealed class BatchBuffers(int batch, int history, int maskItems = 0) : IDisposable
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
        /// <summary>
        /// The seen-negatives mask, [rows, <see cref="Capacity"/>] row-major with the batch's columns first (true = an
        /// item the row's user has); null when the loss does not use one.
        /// </summary>
        public readonly bool[]? SeenMask = maskItems > 0 ? new bool[batch * batch] : null;
        /// <summary>Scratch of <see cref="TrainingData.FillSeenMask"/>: the first column per item (−1: none) and the next per column.</summary>
        public readonly int[]? FirstColumn = maskItems > 0 ? Enumerable.Repeat(-1, maskItems).ToArray() : null;
        public readonly int[]? NextColumn = maskItems > 0 ? new int[batch] : null;
        public int Capacity => batch;

        // The host tensors, one per array, made on first use.
        public Tensor? ItemRowsHost, BucketsHost, UserRowsHost, HistoryBucketsHost, HistoryWeightsHost, RecentWeightsHost, HistoryTypesHost, SeenMaskHost;

        public void Dispose()
        {
            foreach (var t in (ReadOnlySpan<Tensor?>)[ItemRowsHost, BucketsHost, UserRowsHost, HistoryBucketsHost, HistoryWeightsHost, RecentWeightsHost, HistoryTypesHost, SeenMaskHost])
                t?.Dispose();
        }
    }

    /// <summary>
    /// Double-buffered batch assembly: while the model trains on one batch, a worker fills the next one's history
    /// windows and weights on the host, so the data pipeline overlaps the model step. A fill that no worker has
    /// started by the time its batch is needed is done by the caller itself: the queued fill then finds it claimed and
    /// does nothing, so training never waits on a scheduler whose threads are all busy (a trainer beside serving, or
    /// beside another run, whose pool thread blocks here).
    /// </summary>
    private sealed class BatchPipeline : IDisposable
    {
        private readonly TwoTowerTrainer _trainer;
        private readonly int[] _examples;
        private readonly int _batch;
        private readonly BatchBuffers[] _buffers;
        private BatchFill? _next;
        private int _at;
        private int _current;

        /// <summary>One batch's fill, queued to a worker and run by whichever of the worker and the caller claims it first.</summary>
        private sealed class BatchFill
        {
            private readonly Action _fill;
            private readonly BatchBuffers _target;
            private readonly Task _worker;
            private int _claimed;

            public BatchFill(TwoTowerTrainer trainer, int[] examples, int at, int size, BatchBuffers target)
            {
                _fill = () => trainer.Fill(examples.AsSpan(at, size), target);
                _target = target;
                // The current scheduler, not the pool: under TorchThreads.RunAsync that is a thread at training's priority.
                _worker = Task.Factory.StartNew(() =>
                {
                    if (Claim()) _fill();
                }, CancellationToken.None, TaskCreationOptions.None, TaskScheduler.Current);
            }

            /// <summary>The filled batch: filled here when no worker has started it, else once the worker is done.</summary>
            public BatchBuffers Complete()
            {
                if (Claim()) _fill();
                else _worker.Wait();
                return _target;
            }

            /// <summary>Drops the fill if no worker has started it; otherwise waits for the worker to finish with the buffers.</summary>
            public void Drop()
            {
                if (!Claim()) _worker.Wait();
            }

            private bool Claim() => Interlocked.Exchange(ref _claimed, 1) == 0;
        }

        public BatchPipeline(TwoTowerTrainer trainer, int[] examples, int batch)
        {
            _trainer = trainer;
            _examples = examples;
            _batch = batch;
            _buffers = [trainer.LossBuffers(batch), trainer.LossBuffers(batch)];
            Start();
        }

        /// <summary>Waits for a fill a worker has started (one not started is dropped) and frees the host tensors.</summary>
        public void Dispose()
        {
            try { _next?.Drop(); }
            catch (AggregateException) { /* the fill's error was the caller's to see; the buffers go either way */ }
            foreach (var b in _buffers) b.Dispose();
        }

        /// <summary>The next filled batch (null at the end of the examples); starts filling the one after.</summary>
        public BatchBuffers? Next()
        {
            if (_next is null) return null;
            var ready = _next.Complete();
            _current ^= 1;
            Start();
            return ready.Size >= MinLossBatch ? ready : null;
        }

        private void Start()
        {
            int at = _at, size = Math.Min(_batch, _examples.Length - at);
            if (size <= 0)
            {
                _next = null;
                return;
            }
            _at += size;
            _next = new BatchFill(_trainer, _examples, at, size, _buffers[_current]);
        }
    }

    /// <summary>Buffers for batches a loss is computed on: with the seen-negatives mask when the loss uses one.</summary>
    private BatchBuffers LossBuffers(int batch) => new(batch, _options.HistoryLength, _data.SeenStart is null ? 0 : _data.Items);

    /// <summary>
    /// The tensors of one batch: the data pipeline's output and the model's input. <paramref name="SeenMask"/>: [B, B]
    /// bool, true where column c's item is one row r's user has (not r's own target); null without the mask.
    /// </summary>
    private sealed record BatchTensors(Tensor ItemRows, Tensor Buckets, Tensor UserRows, Tensor HistoryBuckets, Tensor HistoryWeights, Tensor? HistoryTypes,
        Tensor? RecentWeights, Tensor? SeenMask);

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
        if (buffers.SeenMask is not null)
            _data.FillSeenMask(examples, buffers.SeenMask, buffers.Capacity, buffers.FirstColumn!, buffers.NextColumn!);
    }

    private BatchTensors ToDevice(BatchBuffers buffers)
    {
        int size = buffers.Size, n = _options.HistoryLength;
        return new BatchTensors(Staged(ref buffers.ItemRowsHost, buffers.ItemRows, size, 1), Staged(ref buffers.BucketsHost, buffers.Buckets, size, 1),
            Staged(ref buffers.UserRowsHost, buffers.UserRows, size, 1), Staged(ref buffers.HistoryBucketsHost, buffers.HistoryBuckets, size, n),
            Staged(ref buffers.HistoryWeightsHost, buffers.HistoryWeights, size, n), HistoryTypes(buffers, size), RecentWeights(buffers, size), SeenMask(buffers, size));
    }

    /// <summary>The batch's seen-negatives mask as [size, size] bool, or null without one.</summary>
    private Tensor? SeenMask(BatchBuffers buffers, int size) => buffers.SeenMask is null ? null
        : Staged(ref buffers.SeenMaskHost, buffers.SeenMask, size, buffers.Capacity).narrow(1, 0, size);

    /// <summary>The batch's event-type tokens for the attention encoder, or null for the mean.</summary>
    private Tensor? HistoryTypes(BatchBuffers buffers, int size) =>
        _net.Attention is null ? null : Staged(ref buffers.HistoryTypesHost, buffers.HistoryTypes, size, _options.HistoryLength);

    /// <summary>The batch's short-term mean weights, or null when the model has no short-term mean.</summary>
    private Tensor? RecentWeights(BatchBuffers buffers, int size) =>
        _schema.History.HasRecent && _net.Attention is null ? Staged(ref buffers.RecentWeightsHost, buffers.RecentWeights, size, _options.HistoryLength) : null;

    /// <summary>
    /// The first <paramref name="rows"/> rows of <paramref name="data"/> as a tensor on the training device: copied into
    /// <paramref name="host"/> (a tensor of the array's whole shape, made on first use and kept outside any dispose
    /// scope), then a view of its rows, moved to the device when that is not the CPU. The view belongs to the caller's
    /// scope; the host tensor to the buffers.
    /// </summary>
    private Tensor Staged<T>(ref Tensor? host, T[] data, int rows, int columns) where T : unmanaged
    {
        host ??= (columns == 1 ? zeros([data.Length], TorchArrays.TypeOf<T>()) : zeros([data.Length / columns, columns], TorchArrays.TypeOf<T>())).DetachFromDisposeScope();
        var view = host.narrow(0, 0, rows);
        TorchArrays.CopyInto<T>(view, data.AsSpan(0, rows * columns));
        return _device.type == DeviceType.CPU ? view : view.to(_device);
    }
}
