using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OrleansReco.Core.Model;
using OrleansReco.GrainInterfaces;
using OrleansReco.Grains.Telemetry;

namespace OrleansReco.Grains.Model;

/// <summary>
/// Holds the silo's current <see cref="TwoTowerModel"/>. Loads the configured bundle while the silo starts (a bad
/// bundle stops the start); <see cref="Publish"/> swaps in another model atomically for later callers.
/// </summary>
public sealed partial class ModelCache : IModelProvider, ILifecycleParticipant<ISiloLifecycle>
{
    private readonly IOptions<ModelOptions> _options;
    private readonly RecoMetrics _metrics;
    private readonly ILogger<ModelCache> _logger;
    private TwoTowerModel? _current;

    public ModelCache(IOptions<ModelOptions> options, RecoMetrics metrics, ILogger<ModelCache> logger)
    {
        _options = options;
        _metrics = metrics;
        _logger = logger;
    }

    public bool IsLoaded => Volatile.Read(ref _current) is not null;

    public string Version => Volatile.Read(ref _current)?.Version ?? "";

    public TwoTowerModel Current => Volatile.Read(ref _current)
        ?? throw new ModelUnavailableException(
            "No model is loaded on this silo: publish one (a training run, or the registry), or set Reco:Model:Path (env Reco__Model__Path) to a model bundle.");

    public event Action<TwoTowerModel>? Changed;

    /// <summary>Makes <paramref name="model"/> current for every later call.</summary>
    public void Publish(TwoTowerModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        Volatile.Write(ref _current, model);
        _metrics.SetModel(model.Version, model.Dimension);
        LogModelPublished(model.Version, model.Dimension);
        Changed?.Invoke(model);
    }

    /// <summary>
    /// True once <paramref name="version"/> is current (at once when it is already), false when it was not within
    /// <paramref name="timeout"/>. A publication reaches the silos one after the other; a grain asked for the new
    /// version by a silo that already has it waits here for its own silo to catch up.
    /// </summary>
    public async Task<bool> WaitForVersionAsync(string version, TimeSpan timeout)
    {
        if (string.Equals(Version, version, StringComparison.Ordinal)) return true;
        var arrived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        void OnChanged(TwoTowerModel model)
        {
            if (string.Equals(model.Version, version, StringComparison.Ordinal)) arrived.TrySetResult();
        }
        Changed += OnChanged;
        try
        {
            if (string.Equals(Version, version, StringComparison.Ordinal)) return true;
            await arrived.Task.WaitAsync(timeout);
            return true;
        }
        catch (TimeoutException)
        {
            return false;
        }
        finally
        {
            Changed -= OnChanged;
        }
    }

    /// <summary>Loads the bundle at <see cref="ModelOptions.Path"/>, if one is configured.</summary>
    public void LoadConfigured()
    {
        var path = _options.Value.Path;
        if (string.IsNullOrWhiteSpace(path))
        {
            LogNoModel();
            return;
        }
        Publish(TwoTowerModel.Load(path));
    }

    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(nameof(ModelCache), ServiceLifecycleStage.ApplicationServices, _ =>
        {
            if (!IsLoaded) LoadConfigured();
            return Task.CompletedTask;
        });

    [LoggerMessage(Level = LogLevel.Information, Message = "Model {Version} (dimension {Dimension}) is current")]
    private partial void LogModelPublished(string version, int dimension);

    [LoggerMessage(Level = LogLevel.Warning, Message = "No model bundle configured (Reco:Model:Path); serving calls fail until a model is published")]
    private partial void LogNoModel();
}
