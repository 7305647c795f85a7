using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OrleansReco.GrainInterfaces;
using OrleansReco.Grains.Registry;

namespace OrleansReco.Grains.Model;

/// <summary>
/// Keeps the silo's <see cref="ModelCache"/> on the registry's current version. Once the silo is active it subscribes
/// to the registry and then checks in every <see cref="ModelOptions.SyncInterval"/>, loading the current version
/// whenever it differs (so a missed notification or a restarted registry costs at most one interval). A bundle is
/// fetched from its chunk grains and loaded once per publication; loads run one at a time.
/// </summary>
public sealed partial class ModelSync(
    IGrainFactory grains,
    ModelCache cache,
    ILocalSiloDetails silo,
    IOptions<ModelOptions> options,
    ILogger<ModelSync> logger) : IModelSubscriber, ILifecycleParticipant<ISiloLifecycle>, IDisposable
{
    private static readonly TimeSpan StartCheckInTimeout = TimeSpan.FromSeconds(10);
    private readonly SemaphoreSlim _loading = new(1, 1);
    private readonly CancellationTokenSource _stopping = new();
    private IModelSubscriber? _self;
    private Task? _loop;

    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(nameof(ModelSync), ServiceLifecycleStage.Active, StartAsync, StopAsync);

    public async Task LoadAsync(ModelVersionInfo published)
    {
        ArgumentNullException.ThrowIfNull(published);
        await _loading.WaitAsync(_stopping.Token);
        try
        {
            if (string.Equals(cache.Version, published.Version, StringComparison.Ordinal)) return;
            long start = Stopwatch.GetTimestamp();
            var bytes = await BundleChunks.DownloadAsync(grains, published);
            CheckHash(published, bytes);
            var model = BundleBytes.Load(bytes);
            cache.Publish(model);
            LogLoaded(published.Version, bytes.Length, Stopwatch.GetElapsedTime(start).TotalMilliseconds);
        }
        finally
        {
            _loading.Release();
        }
    }

    /// <summary>
    /// Refuses bytes whose SHA-256 differs from the one the registry recorded when it validated the version (a chunk
    /// changed in storage since): the silo keeps its current model.
    /// </summary>
    private void CheckHash(ModelVersionInfo published, byte[] bytes)
    {
        if (published.Sha256 is null)
        {
            LogNoHash(published.Version);
            return;
        }
        string actual = BundleBytes.Sha256(bytes);
        if (string.Equals(actual, published.Sha256, StringComparison.OrdinalIgnoreCase)) return;
        LogHashMismatch(published.Version, published.Sha256, actual, cache.Version);
        throw new InvalidModelBundleException(
            $"Model {published.Version}: the stored bytes have SHA-256 {actual}, the registry recorded {published.Sha256}; not loaded.");
    }

    private async Task StartAsync(CancellationToken ct)
    {
        _self = grains.CreateObjectReference<IModelSubscriber>(this);
        try
        {
            await CheckInAsync().WaitAsync(StartCheckInTimeout, ct);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogCheckInFailed(e, silo.SiloAddress.ToString());
        }
        _loop = RunAsync(_stopping.Token);
    }

    private async Task RunAsync(CancellationToken ct)
    {
        using var timer = new PeriodicTimer(options.Value.SyncInterval);
        try
        {
            while (await timer.WaitForNextTickAsync(ct))
            {
                try { await CheckInAsync(); }
                catch (Exception e) when (e is not OperationCanceledException) { LogCheckInFailed(e, silo.SiloAddress.ToString()); }
            }
        }
        catch (OperationCanceledException)
        {
            // The silo is stopping.
        }
    }

    private async Task CheckInAsync()
    {
        var current = await grains.Registry().SubscribeAsync(silo.SiloAddress.ToString(), _self!);
        if (current is null) await RegisterConfiguredAsync();
        else if (!string.Equals(current.Version, cache.Version, StringComparison.Ordinal)) await LoadAsync(current);
    }

    /// <summary>
    /// A registry with nothing published adopts the bundle this silo loaded from <see cref="ModelOptions.Path"/> as its
    /// first version, so that training warm-starts from it, the publish gate compares against it and a rollback can
    /// return to it. Silos racing to do so are harmless: the registry takes a version once.
    /// </summary>
    private async Task RegisterConfiguredAsync()
    {
        if (!cache.IsLoaded || string.IsNullOrWhiteSpace(options.Value.Path) || !File.Exists(options.Value.Path)) return;
        // The registry validates the bytes, including that they are the version this silo loaded.
        string version = cache.Version;
        var bytes = await File.ReadAllBytesAsync(options.Value.Path);
        try
        {
            int chunks = await BundleChunks.UploadAsync(grains, version, bytes, options.Value.ChunkBytes);
            await grains.Registry().PublishUploadedAsync(version, bytes.Length, chunks, $"config:{silo.Name}", null);
            LogRegistered(version, options.Value.Path);
        }
        catch (InvalidModelBundleException)
        {
            // Another silo registered it first (its chunks are write-once), or the file changed since it was loaded.
        }
    }

    private async Task StopAsync(CancellationToken ct)
    {
        await _stopping.CancelAsync();
        if (_loop is not null) await _loop;
        if (_self is not null) grains.DeleteObjectReference<IModelSubscriber>(_self);
    }

    public void Dispose()
    {
        _stopping.Dispose();
        _loading.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Registered the configured model {Version} ({Path}) as the registry's first version")]
    private partial void LogRegistered(string version, string path);

    [LoggerMessage(Level = LogLevel.Information, Message = "Loaded model {Version} ({Bytes} bytes) from the registry in {Milliseconds:F1} ms")]
    private partial void LogLoaded(string version, long bytes, double milliseconds);

    [LoggerMessage(Level = LogLevel.Error, Message = "Refused model {Version}: its stored bytes have SHA-256 {Actual}, the registry recorded {Expected}; model {Current} stays")]
    private partial void LogHashMismatch(string version, string expected, string actual, string current);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Model {Version} has no recorded SHA-256 (published before hashes were recorded); loaded unchecked")]
    private partial void LogNoHash(string version);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Silo {Silo} could not check in with the model registry; it retries next interval")]
    private partial void LogCheckInFailed(Exception error, string silo);
}
