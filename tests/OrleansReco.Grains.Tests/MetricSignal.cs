using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Orleans.TestingHost;
using OrleansReco.Grains.Telemetry;

namespace OrleansReco.Grains.Tests;

/// <summary>
/// Signals each measurement of one instrument of meter <see cref="RecoMetrics.MeterName"/> recorded by the silos of
/// one test cluster (told apart by their meter factories). <see cref="WaitUntilAsync"/> checks a condition now and
/// again after each measurement, so a test wakes on the event that can change the answer (a training run ended, an
/// index swapped, a consumer removed) instead of polling.
/// </summary>
public sealed class MetricSignal : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly Lock _lock = new();
    private TaskCompletionSource _next = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public MetricSignal(TestCluster cluster, string instrument)
    {
        Instrument = instrument;
        var scopes = cluster.Silos.Cast<InProcessSiloHandle>().Select(s => s.SiloHost.Services.GetRequiredService<IMeterFactory>())
            .Cast<object>().ToHashSet(ReferenceEqualityComparer.Instance);
        _listener.InstrumentPublished = (published, listener) =>
        {
            if (published.Meter.Name == RecoMetrics.MeterName && published.Name == instrument && published.Meter.Scope is { } scope && scopes.Contains(scope))
                listener.EnableMeasurementEvents(published);
        };
        _listener.SetMeasurementEventCallback<long>((_, _, _, _) => Signal());
        _listener.SetMeasurementEventCallback<double>((_, _, _, _) => Signal());
        _listener.Start();
    }

    public string Instrument { get; }

    /// <summary>
    /// Returns once <paramref name="check"/> is true: checked now, then after each measurement. Fails after
    /// <paramref name="timeout"/> with <paramref name="failure"/>'s text (which names the phase and the silo or grain).
    /// </summary>
    public async Task WaitUntilAsync(Func<Task<bool>> check, TimeSpan timeout, Func<string> failure)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            // Taken before the check: a measurement between the check and the wait still wakes it.
            Task next;
            lock (_lock) next = _next.Task;
            if (await check()) return;
            var left = deadline - DateTime.UtcNow;
            try
            {
                if (left <= TimeSpan.Zero) throw new TimeoutException();
                await next.WaitAsync(left);
            }
            catch (TimeoutException)
            {
                throw new TimeoutException($"{failure()} (waited {timeout.TotalSeconds:0} s, woken by {Instrument})");
            }
        }
    }

    private void Signal()
    {
        TaskCompletionSource done;
        lock (_lock)
        {
            done = _next;
            _next = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }
        done.TrySetResult();
    }

    public void Dispose() => _listener.Dispose();
}
