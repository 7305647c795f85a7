using OrleansReco.Training.Torch;

namespace OrleansReco.Training.Tests;

/// <summary>Proves that libtorch loads through TorchSharp on this machine and that a two-tower model learns.</summary>
public sealed class TorchSharpSmokeTests
{
    [Fact]
    public void TrainSynthetic_LossGoesDown_OnCpu()
    {
        var losses = SmokeTwoTower.TrainSynthetic(users: 128, items: 32, dim: 16, steps: 40, batch: 32, seed: 7);
        Assert.Equal(40, losses.Length);
        Assert.All(losses, l => Assert.True(float.IsFinite(l)));
        float firstFive = losses.Take(5).Average();
        float lastFive = losses.TakeLast(5).Average();
        Assert.True(lastFive < 0.7f * firstFive, $"loss did not go down enough: first {firstFive:F4}, last {lastFive:F4}");
    }

    [Fact]
    public void TrainSynthetic_IsDeterministic_ForASeed()
    {
        var a = SmokeTwoTower.TrainSynthetic(users: 64, items: 16, dim: 8, steps: 5, batch: 16, seed: 3);
        var b = SmokeTwoTower.TrainSynthetic(users: 64, items: 16, dim: 8, steps: 5, batch: 16, seed: 3);
        Assert.Equal(a, b);
    }
}
