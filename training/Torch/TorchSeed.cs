using static TorchSharp.torch;

namespace OrleansReco.Training.Torch;

/// <summary>
/// libtorch's random generator is process-wide: seeding it and drawing a model's initial weights must not
/// interleave with another thread doing the same, or two runs with one seed would start from different weights.
/// Nothing else in the project draws from it: training's dropout masks come from the network's own generator
/// (<c>TwoTowerNet.Drop</c>), so this lock covers every draw from the shared one.
/// </summary>
public static class TorchSeed
{
    private static readonly Lock Gate = new();

    /// <summary>Seeds the generator and runs <paramref name="create"/> (which draws the initial weights) under one lock.</summary>
    public static T Create<T>(long seed, Func<T> create)
    {
        ArgumentNullException.ThrowIfNull(create);
        lock (Gate)
        {
            random.manual_seed(seed);
            return create();
        }
    }
}
