using System.Diagnostics;
using TorchSharp;
using static TorchSharp.torch;

namespace OrleansReco.Training.TwoTower;

public sealed partial class TwoTowerTrainer
{
    /// <summary>
    /// The benchmark's steps update the weights like training; a tenth of the learning rate keeps them from drifting
    /// far over many rounds (the rate does not change the time a step takes).
    /// </summary>
    private const double BenchmarkLearningRateFactor = 0.1;

    /// <summary>Untimed steps before the rounds: the JIT, the allocator and the first batch's costs stay out of the figures.</summary>
    private const int BenchmarkWarmupSteps = 3;

    /// <summary>
    /// Throughput at the configured batch size, in examples per second: full steps (batch assembly from the events
    /// included) and bare model steps (forward, loss, backward, optimiser) on one prepared batch. The two are timed
    /// in alternating rounds of <paramref name="steps"/> steps and the median round of each is reported, so that
    /// load from other processes hits both alike.
    /// </summary>
    public (double FullStep, double BareStep) Benchmark(int steps, int rounds = 5)
    {
        var o = _options;
        int batch = Math.Min(o.BatchSize, TrainExamples);
        using var optimizer = new AdamOptimizer(_net.parameters(), o.LearningRate * BenchmarkLearningRateFactor, o.WeightDecay, decoupled: true);
        using var buffers = LossBuffers(batch);
        var examples = (int[])_data.TrainExamples.Clone();
        _rng.Shuffle(examples);
        _net.train();
        var pipeline = new BatchPipeline(this, examples, batch);
        void Step(BatchTensors? prepared)
        {
            using var scope = NewDisposeScope();
            Tensor loss;
            if (prepared is null)
            {
                var ready = pipeline.Next();
                if (ready is null || ready.Size < batch)
                {
                    pipeline.Dispose();
                    pipeline = new BatchPipeline(this, examples, batch);
                    ready = pipeline.Next()!;
                }
                loss = Loss(ToDevice(ready));
            }
            else
            {
                loss = Loss(prepared);
            }
            optimizer.ZeroGrad();
            loss.backward();
            optimizer.Step();
            loss.item<float>();
        }
        using var keep = NewDisposeScope();
        var prepared = Prepare(examples.AsSpan(0, batch), buffers);
        for (int i = 0; i < BenchmarkWarmupSteps; i++) Step(null);
        var full = new List<double>();
        var bare = new List<double>();
        var clock = new Stopwatch();
        for (int r = 0; r < rounds; r++)
        {
            clock.Restart();
            for (int i = 0; i < steps; i++) Step(null);
            full.Add(steps * batch / clock.Elapsed.TotalSeconds);
            clock.Restart();
            for (int i = 0; i < steps; i++) Step(prepared);
            bare.Add(steps * batch / clock.Elapsed.TotalSeconds);
        }
        pipeline.Dispose();
        full.Sort();
        bare.Sort();
        return (full[rounds / 2], bare[rounds / 2]);
    }
}
