using OrleansReco.Training.Torch;
using OrleansReco.Training.TwoTower;
using static TorchSharp.torch;

namespace OrleansReco.Training.Tests;

/// <summary>
/// Tensors filled from managed arrays without a managed copy, and a training step that allocates no batch-sized
/// arrays: a run beside serving adds managed garbage only in proportion to its bookkeeping, not to its data.
/// </summary>
public sealed class TorchArraysTests
{
    [Fact]
    public void From_HoldsTheValuesInTheShape()
    {
        using var t = TorchArrays.From(new long[] { 1, 2, 3, 4, 5, 6 }, [2, 3]);

        Assert.Equal([2L, 3L], t.shape);
        Assert.Equal(ScalarType.Int64, t.dtype);
        Assert.Equal(6L, t[1, 2].item<long>());
        Assert.Equal([1L, 2, 3, 4, 5, 6], t.data<long>().ToArray());
    }

    [Fact]
    public void From_RefusesAnArrayThatDoesNotFillTheShape()
    {
        var error = Assert.Throws<ArgumentException>(() => TorchArrays.From(new float[5], [2, 3]));
        Assert.Contains("5 values do not fill a tensor of 6", error.Message);
    }

    [Fact]
    public void From_AndCopyInto_MakeNoManagedCopyOfTheData()
    {
        var data = new float[1 << 20]; // 4 MiB: torch.tensor(float[]) would clone all of it
        data[^1] = 7f;
        using (TorchArrays.From(data, [data.Length])) { } // first use: type initialisers

        long before = GC.GetAllocatedBytesForCurrentThread();
        using var t = TorchArrays.From(data, [1024, 1024]);
        TorchArrays.CopyInto<float>(t, data);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(7f, t[1023, 1023].item<float>());
        Assert.True(allocated < 64 * 1024, $"{allocated:N0} bytes allocated for a 4 MiB tensor");
    }

    [Fact]
    public void Train_AllocatesNoBatchSizedArraysPerStep()
    {
        // One step's history columns are 128 × 50 values: 51,200 bytes as longs. A step that cloned them (as
        // torch.tensor(long[]) does) would allocate at least that on the training thread.
        var data = FeatureData.Create(users: 400, eventsPerUser: 12);
        var options = new TwoTowerOptions
        {
            Dimension = 16, ItemHidden = [32], UserHidden = [32], CategoricalDim = 8, TextDim = 8, TextBuckets = 512,
            BatchSize = 128, HistoryLength = 50, Epochs = 3, Validate = false, Threads = 1, Seed = 5,
        };
        using var trainer = new TwoTowerTrainer(data, options);
        long before = GC.GetAllocatedBytesForCurrentThread();
        var history = trainer.Train();
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.True(history.Steps >= 20, $"only {history.Steps} steps");
        double perStep = (double)allocated / history.Steps;
        Assert.True(perStep < 128 * 50 * sizeof(long), $"{perStep:N0} bytes allocated per step on the training thread");
    }
}
