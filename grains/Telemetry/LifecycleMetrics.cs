using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace OrleansReco.Grains.Telemetry;

/// <summary>
/// Instruments of the model lifecycle on meter <see cref="RecoMetrics.MeterName"/>: training runs by outcome, their
/// duration and throughput, the hold-out Recall@K of each trained version, and publications (rollbacks apart).
/// </summary>
public sealed class LifecycleMetrics : IDisposable
{
    private const int KeptVersions = 20;
    private readonly Meter _meter;
    private readonly Counter<long> _runs;
    private readonly Histogram<double> _duration;
    private readonly Histogram<double> _examplesPerSecond;
    private readonly Counter<long> _publications;
    private readonly ConcurrentQueue<(string Version, string Metric, double Value)> _validation = new();

    public LifecycleMetrics(IMeterFactory meters)
    {
        _meter = meters.Create(RecoMetrics.MeterName);
        _runs = _meter.CreateCounter<long>("reco.training.runs", "{run}", "Training runs ended, by outcome (published, rejected, skipped, failed).");
        _duration = _meter.CreateHistogram<double>("reco.training.duration", "s", "Wall time of a training run, reading the archive to the decision.");
        _examplesPerSecond = _meter.CreateHistogram<double>("reco.training.throughput", "{example}/s", "Training examples per second of a run.");
        _publications = _meter.CreateCounter<long>("reco.model.publications", "{publication}", "Models made current, tagged rollback=true for an earlier version.");
        _meter.CreateObservableGauge("reco.model.validation", ObserveValidation, "1",
            "Hold-out metrics of recently trained versions (tags: version, metric).");
    }

    public void RunEnded(string outcome, double seconds, double examplesPerSecond)
    {
        _runs.Add(1, new KeyValuePair<string, object?>("outcome", outcome));
        _duration.Record(seconds);
        if (examplesPerSecond > 0) _examplesPerSecond.Record(examplesPerSecond);
    }

    /// <summary>Keeps a version's validation figure for the gauge (the last <see cref="KeptVersions"/> figures).</summary>
    public void Validation(string version, string metric, double value)
    {
        _validation.Enqueue((version, metric, value));
        while (_validation.Count > KeptVersions && _validation.TryDequeue(out _)) { }
    }

    public void Published(bool rollback) => _publications.Add(1, new KeyValuePair<string, object?>("rollback", rollback));

    private IEnumerable<Measurement<double>> ObserveValidation() =>
        _validation.Select(v => new Measurement<double>(v.Value,
            new KeyValuePair<string, object?>("version", v.Version), new KeyValuePair<string, object?>("metric", v.Metric)));

    public void Dispose() => _meter.Dispose();
}
