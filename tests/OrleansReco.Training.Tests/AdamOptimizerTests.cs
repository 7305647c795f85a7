using OrleansReco.Training.Torch;
using OrleansReco.Training.TwoTower;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace OrleansReco.Training.Tests;

/// <summary>
/// The trainer's own Adam/AdamW step (which keeps its scalars alive across libtorch calls) against TorchSharp's
/// optimisers: the same weights after the same steps, so the two are interchangeable but for the scalar lifetimes.
/// </summary>
public sealed class AdamOptimizerTests
{
    [Theory]
    [InlineData(true, 0.01)]
    [InlineData(false, 0.01)]
    [InlineData(true, 0.0)]
    public void Step_MatchesTorchSharpsOptimizer_OverManyStepsWithAChangingRate(bool decoupled, double weightDecay)
    {
        using var ours = Model(seed: 7);
        using var theirs = CopyOf(ours);
        using var optimizer = new AdamOptimizer(ours.parameters(), 0.05, weightDecay, decoupled);
        using optim.Optimizer reference = decoupled
            ? optim.AdamW(theirs.parameters(), lr: 0.05, weight_decay: weightDecay)
            : optim.Adam(theirs.parameters(), lr: 0.05, weight_decay: weightDecay);
        var start = ours.parameters().Select(p => p.detach().clone()).ToArray();
        var generator = new Random(3);
        for (int step = 0; step < 40; step++)
        {
            double lr = 0.05 * (1 - step / 50.0);
            optimizer.LearningRate = lr;
            foreach (var group in reference.ParamGroups) group.LearningRate = lr;
            var (x, y) = Batch(generator);
            using (var scope = NewDisposeScope())
            {
                optimizer.ZeroGrad();
                Loss(ours, x, y).backward();
                optimizer.Step();
                reference.zero_grad();
                Loss(theirs, x, y).backward();
                reference.step();
            }
            x.Dispose();
            y.Dispose();
        }
        Assert.Equal(40, optimizer.Steps);
        var a = ours.parameters().ToArray();
        var b = theirs.parameters().ToArray();
        for (int i = 0; i < a.Length; i++)
        {
            double difference = (a[i] - b[i]).abs().max().item<float>();
            double size = b[i].abs().max().item<float>();
            Assert.True(difference <= 1e-5 * Math.Max(1, size), $"parameter {i}: differs by {difference} from TorchSharp's step");
        }
        // The steps moved the weights: a no-op optimiser would fail the comparison with the starting weights.
        Assert.True((a[0] - start[0]).abs().max().item<float>() > 1e-3);
    }

    [Fact]
    public void SaveAndLoad_ContinuesAsIfNeverStopped()
    {
        string path = Path.Combine(Path.GetTempPath(), $"adam-{Guid.NewGuid():N}.bin");
        try
        {
            using var straight = Model(seed: 11);
            using var resumed = Model(seed: 11);
            using var first = new AdamOptimizer(straight.parameters(), 0.02, 0.01, decoupled: true);
            var generator = new Random(5);
            var batches = Enumerable.Range(0, 10).Select(_ => Batch(generator)).ToArray();
            for (int i = 0; i < 5; i++) Train(straight, first, batches[i]);
            first.Save(path);
            using (no_grad())
                foreach (var (to, from) in resumed.parameters().Zip(straight.parameters())) to.copy_(from);
            using var second = new AdamOptimizer(resumed.parameters(), 0.02, 0.01, decoupled: true);
            second.Load(path);
            Assert.Equal(5, second.Steps);
            for (int i = 5; i < 10; i++)
            {
                Train(straight, first, batches[i]);
                Train(resumed, second, batches[i]);
            }
            foreach (var (x, y) in straight.parameters().Zip(resumed.parameters()))
                Assert.Equal(0f, (x - y).abs().max().item<float>());
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Load_StateOfAnotherNetwork_NamesTheMismatch()
    {
        string path = Path.Combine(Path.GetTempPath(), $"adam-{Guid.NewGuid():N}.bin");
        try
        {
            using var small = TorchSeed.Create(1, () => nn.Linear(3, 2));
            using var saved = new AdamOptimizer(small.parameters(), 0.01, 0, decoupled: true);
            saved.Save(path);
            using var other = TorchSeed.Create(2, () => nn.Sequential(nn.Linear(3, 2), nn.Linear(2, 1)));
            using var loading = new AdamOptimizer(other.parameters(), 0.01, 0, decoupled: true);
            var error = Assert.Throws<InvalidDataException>(() => loading.Load(path));
            Assert.Contains("2 parameters", error.Message);
            Assert.Contains("has 4", error.Message);
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static void Train(nn.Module<Tensor, Tensor> model, AdamOptimizer optimizer, (Tensor X, Tensor Y) batch)
    {
        using var scope = NewDisposeScope();
        optimizer.ZeroGrad();
        Loss(model, batch.X, batch.Y).backward();
        optimizer.Step();
    }

    /// <summary>
    /// Drawn under <see cref="TorchSeed"/>'s lock, as every draw of initial weights must be: the generator is global,
    /// and a draw outside the lock between another test's seed and its draws (the trainer's same-seed test) gave that
    /// test different weights.
    /// </summary>
    private static nn.Module<Tensor, Tensor> Model(int seed) =>
        TorchSeed.Create(seed, () => nn.Sequential(nn.Linear(6, 8), nn.Tanh(), nn.Linear(8, 1)));

    /// <summary>
    /// A second model with the first one's weights, copied rather than drawn again from the seed: libtorch's generator
    /// is global, and another test class running in parallel may draw from it between a seed and the draws.
    /// </summary>
    private static nn.Module<Tensor, Tensor> CopyOf(nn.Module<Tensor, Tensor> model)
    {
        var copy = Model(seed: 0);
        using (no_grad())
            foreach (var (to, from) in copy.parameters().Zip(model.parameters())) to.copy_(from);
        return copy;
    }

    private static Tensor Loss(nn.Module<Tensor, Tensor> model, Tensor x, Tensor y) =>
        nn.functional.mse_loss(model.forward(x), y);

    private static (Tensor X, Tensor Y) Batch(Random generator)
    {
        var values = new float[16 * 6];
        for (int i = 0; i < values.Length; i++) values[i] = (float)(generator.NextDouble() * 2 - 1);
        var x = tensor(values, [16, 6]);
        var target = new float[16];
        for (int i = 0; i < 16; i++) target[i] = values[i * 6] * 0.5f - values[i * 6 + 3];
        return (x, tensor(target, [16, 1]));
    }
}
