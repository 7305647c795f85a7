using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace OrleansReco.Training.TwoTower;

/// <summary>
/// Adam, or AdamW with decoupled weight decay, as PyTorch defines them (β₁ 0.9, β₂ 0.999, ε 1e-8, bias-corrected
/// moments), written here rather than taken from TorchSharp for one reason: every number it hands to libtorch is a
/// <see cref="Scalar"/> that it keeps alive until libtorch has returned. TorchSharp 0.107's optimisers pass
/// implicitly converted scalars, which only the finalizer frees; when a collection runs while the training thread
/// is inside libtorch (likely when the thread is preempted, e.g. at a lower priority beside serving), libtorch can
/// read a freed scalar and the step fails with <c>Unknown scalar type</c>.
/// </summary>
internal sealed class AdamOptimizer : IDisposable
{
    private const double Beta1 = 0.9, Beta2 = 0.999, Epsilon = 1e-8;
    private const int FormatVersion = 1;
    private readonly Parameter[] _parameters;
    private readonly Tensor[] _firstMoments;
    private readonly Tensor[] _secondMoments;
    private readonly bool _decoupled;
    private readonly double _weightDecay;

    /// <param name="parameters">The parameters to optimise.</param>
    /// <param name="learningRate">The initial learning rate (<see cref="LearningRate"/> may change it per step).</param>
    /// <param name="weightDecay">Decay per step: decoupled (AdamW) or added to the gradient (Adam).</param>
    /// <param name="decoupled">AdamW when true, Adam with L2 regularisation when false.</param>
    public AdamOptimizer(IEnumerable<Parameter> parameters, double learningRate, double weightDecay, bool decoupled)
    {
        if (learningRate < 0 || double.IsNaN(learningRate)) throw new ArgumentOutOfRangeException(nameof(learningRate), learningRate, "must be ≥ 0.");
        if (weightDecay < 0 || double.IsNaN(weightDecay)) throw new ArgumentOutOfRangeException(nameof(weightDecay), weightDecay, "must be ≥ 0.");
        _parameters = parameters.Where(p => p.requires_grad).ToArray();
        using (no_grad())
        {
            _firstMoments = _parameters.Select(p => zeros_like(p).DetachFromDisposeScope()).ToArray();
            _secondMoments = _parameters.Select(p => zeros_like(p).DetachFromDisposeScope()).ToArray();
        }
        LearningRate = learningRate;
        _weightDecay = weightDecay;
        _decoupled = decoupled;
    }

    /// <summary>The learning rate of the next <see cref="Step"/>.</summary>
    public double LearningRate { get; set; }

    /// <summary>Steps taken (the bias corrections' exponent).</summary>
    public long Steps { get; private set; }

    /// <summary>Sets every parameter's gradient to zero.</summary>
    public void ZeroGrad()
    {
        foreach (var p in _parameters)
        {
            using var grad = p.grad;
            grad?.zero_();
        }
    }

    /// <summary>One update of every parameter that has a gradient.</summary>
    public void Step()
    {
        Steps++;
        double correction1 = 1 - Math.Pow(Beta1, Steps), correction2 = 1 - Math.Pow(Beta2, Steps);
        using var guard = no_grad();
        using Scalar beta1 = Beta1.ToScalar(), keep1 = (1 - Beta1).ToScalar();
        using Scalar beta2 = Beta2.ToScalar(), keep2 = (1 - Beta2).ToScalar();
        using Scalar epsilon = Epsilon.ToScalar(), unbias2 = (1 / Math.Sqrt(correction2)).ToScalar();
        using Scalar stepSize = (-LearningRate / correction1).ToScalar();
        using Scalar shrink = (1 - LearningRate * _weightDecay).ToScalar(), decay = _weightDecay.ToScalar();
        for (int i = 0; i < _parameters.Length; i++)
        {
            var p = _parameters[i];
            using var grad = p.grad;
            if (grad is null) continue;
            Tensor? regularised = null;
            if (_weightDecay > 0)
            {
                if (_decoupled) p.mul_(shrink);
                else regularised = grad.add(p, alpha: decay);
            }
            var g = regularised ?? grad;
            _firstMoments[i].mul_(beta1).add_(g, alpha: keep1);
            _secondMoments[i].mul_(beta2).addcmul_(g, g, value: keep2);
            using var denominator = _secondMoments[i].sqrt();
            denominator.mul_(unbias2).add_(epsilon);
            p.addcdiv_(_firstMoments[i], denominator, value: stepSize);
            regularised?.Dispose();
        }
    }

    /// <summary>Writes the step count and both moments of every parameter.</summary>
    public void Save(string path)
    {
        using var file = File.Create(path);
        using var writer = new BinaryWriter(file);
        writer.Write(FormatVersion);
        writer.Write(Steps);
        writer.Write(_parameters.Length);
        for (int i = 0; i < _parameters.Length; i++)
        {
            _firstMoments[i].Save(writer);
            _secondMoments[i].Save(writer);
        }
    }

    /// <summary>Restores what <see cref="Save"/> wrote for the same parameters.</summary>
    /// <exception cref="InvalidDataException">The file is of another format or another set of parameters.</exception>
    public void Load(string path)
    {
        using var file = File.OpenRead(path);
        using var reader = new BinaryReader(file);
        int version = reader.ReadInt32();
        if (version != FormatVersion) throw new InvalidDataException($"{path}: optimiser state format {version}, expected {FormatVersion}.");
        long steps = reader.ReadInt64();
        int count = reader.ReadInt32();
        if (count != _parameters.Length)
            throw new InvalidDataException($"{path}: optimiser state for {count} parameters, the network has {_parameters.Length}.");
        using var guard = no_grad();
        for (int i = 0; i < count; i++)
        {
            _firstMoments[i].Load(reader);
            _secondMoments[i].Load(reader);
        }
        Steps = steps;
    }

    public void Dispose()
    {
        foreach (var t in _firstMoments) t.Dispose();
        foreach (var t in _secondMoments) t.Dispose();
    }
}
