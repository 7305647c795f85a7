using TorchSharp;

namespace OrleansReco.Training.Torch;

/// <summary>Picks the device training runs on: CUDA when TorchSharp finds one, CPU otherwise.</summary>
public static class TorchDevices
{
    /// <summary>The device to train on: <c>cuda</c> if available (and not refused by <paramref name="preferCpu"/>), else <c>cpu</c>.</summary>
    public static torch.Device Pick(bool preferCpu = false) =>
        !preferCpu && torch.cuda.is_available() ? torch.CUDA : torch.CPU;

    /// <summary>One line describing the libtorch runtime and its thread budget, for logs and progress output.</summary>
    public static string Describe()
    {
        TorchThreads.PrepareEnvironment(); // before the first torch call loads libtorch
        return $"TorchSharp {typeof(torch).Assembly.GetName().Version}, libtorch {torch.__version__}, " +
               $"cuda={(torch.cuda.is_available() ? "yes" : "no")}, {TorchThreads.Describe()}";
    }
}
