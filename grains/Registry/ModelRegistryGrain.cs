using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OrleansReco.GrainInterfaces;
using OrleansReco.Grains.Model;

namespace OrleansReco.Grains.Registry;

/// <summary>
/// The model registry (key <see cref="ModelRegistry.Key"/>). A publish validates the bundle by loading it, stores its
/// bytes in (write-once) chunk grains, then records the publication with the bytes' SHA-256 and makes it current; a
/// failure before the record leaves the registry as it was and deletes the refused version's chunks. After each
/// publication the versions beyond <see cref="ModelOptions.KeepVersions"/> are deleted.
/// </summary>
public sealed partial class ModelRegistryGrain(
    [PersistentState("registry", StorageNames.Models)] IPersistentState<ModelRegistryState> state,
    IOptions<ModelOptions> options,
    TimeProvider time,
    Telemetry.LifecycleMetrics metrics,
    ILogger<ModelRegistryGrain> logger) : Grain, IModelRegistryGrain
{
    /// <summary>Subscribed silos (in memory: after a move the silos re-subscribe within one sync interval).</summary>
    private readonly Dictionary<string, (IModelSubscriber Subscriber, DateTimeOffset Seen)> _silos = new(StringComparer.Ordinal);

    public async Task<ModelVersionInfo> PublishAsync(byte[] bundle, string publishedBy, Dictionary<string, double>? metrics)
    {
        ArgumentNullException.ThrowIfNull(bundle);
        ArgumentException.ThrowIfNullOrWhiteSpace(publishedBy);
        if (bundle.Length == 0) throw new InvalidModelBundleException($"The bundle published by '{publishedBy}' is empty.");
        Core.Model.TwoTowerModel model;
        try
        {
            model = BundleBytes.Load(bundle);
        }
        catch (InvalidDataException e)
        {
            LogRefused(publishedBy, bundle.Length, e.Message);
            throw new InvalidModelBundleException($"The bundle published by '{publishedBy}' was refused: {e.Message}");
        }
        string version = model.Version;
        if (string.IsNullOrWhiteSpace(version))
            throw new InvalidModelBundleException($"The bundle published by '{publishedBy}' has no version in its header.");
        if (Stored(version) is { } earlier)
            throw new InvalidModelBundleException(
                $"Version '{version}' was already published by '{earlier.PublishedBy}' at {earlier.PublishedAt:O}; publish under a new version, or roll back to it.");

        int chunks;
        try
        {
            // Chunks left by an upload of this version that was never recorded would refuse these bytes.
            await BundleChunks.DeleteAsync(GrainFactory, version, 0);
            chunks = await BundleChunks.UploadAsync(GrainFactory, version, bundle, options.Value.ChunkBytes);
        }
        catch (Exception)
        {
            await DiscardRefusedAsync(version, 0);
            throw;
        }
        return await RecordPublicationAsync(model, BundleBytes.Sha256(bundle), bundle.Length, chunks, publishedBy, metrics);
    }

    public async Task<ModelVersionInfo> PublishUploadedAsync(string version, long sizeBytes, int chunkCount, string publishedBy, Dictionary<string, double>? metrics)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(version);
        ArgumentException.ThrowIfNullOrWhiteSpace(publishedBy);
        if (Stored(version) is { } earlier)
            throw new InvalidModelBundleException(
                $"Version '{version}' was already published by '{earlier.PublishedBy}' at {earlier.PublishedAt:O}; publish under a new version, or roll back to it.");
        Core.Model.TwoTowerModel model;
        string sha256;
        try
        {
            var bytes = await BundleChunks.DownloadAsync(GrainFactory, version, chunkCount, sizeBytes);
            model = BundleBytes.Load(bytes);
            sha256 = BundleBytes.Sha256(bytes);
        }
        catch (Exception e) when (e is InvalidDataException or KeyNotFoundException)
        {
            LogRefused(publishedBy, sizeBytes, e.Message);
            await DiscardRefusedAsync(version, chunkCount);
            throw new InvalidModelBundleException($"The bundle uploaded by '{publishedBy}' as '{version}' was refused: {e.Message}");
        }
        if (!string.Equals(model.Version, version, StringComparison.Ordinal))
        {
            await DiscardRefusedAsync(version, chunkCount);
            throw new InvalidModelBundleException($"The bundle uploaded as '{version}' calls itself '{model.Version}' in its header.");
        }
        return await RecordPublicationAsync(model, sha256, sizeBytes, chunkCount, publishedBy, metrics);
    }

    public async Task<int> DiscardAsync(string version)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(version);
        if (Stored(version) is not null) return 0;
        int deleted = await BundleChunks.DeleteAsync(GrainFactory, version, 0);
        if (deleted > 0) LogDiscarded(version, deleted);
        return deleted;
    }

    /// <summary>Deletes the chunks of a refused, unrecorded version; a failure to delete is logged, not thrown.</summary>
    private async Task DiscardRefusedAsync(string version, int chunkCount)
    {
        if (Stored(version) is not null) return;
        try
        {
            int deleted = await BundleChunks.DeleteAsync(GrainFactory, version, chunkCount);
            if (deleted > 0) LogDiscarded(version, deleted);
        }
        catch (Exception e)
        {
            LogDeleteFailed(e, version);
        }
    }

    private async Task<ModelVersionInfo> RecordPublicationAsync(Core.Model.TwoTowerModel model, string sha256, long sizeBytes, int chunks,
        string publishedBy, Dictionary<string, double>? metrics)
    {
        string version = model.Version;
        var all = new Dictionary<string, double>(model.Header.Metrics, StringComparer.Ordinal);
        foreach (var (k, v) in metrics ?? []) all[k] = v;
        var info = new ModelVersionInfo(version, publishedBy, time.GetUtcNow(), all, sizeBytes, chunks, Sha256: sha256);
        await RecordAsync(info);
        await NotifyAsync(info);
        await PruneAsync();
        return info;
    }

    /// <summary>
    /// Deletes the versions beyond <see cref="ModelOptions.KeepVersions"/>, least recently published or rolled back to
    /// first (the current version is the most recent): their history entries, then their chunks. A failure is logged;
    /// the next publication tries again for what is left in the history.
    /// </summary>
    private async Task PruneAsync()
    {
        var history = state.State.History;
        var recentFirst = new List<string>();
        for (int i = history.Count - 1; i >= 0; i--)
            if (!recentFirst.Contains(history[i].Version, StringComparer.Ordinal)) recentFirst.Add(history[i].Version);
        var pruned = recentFirst.Skip(options.Value.KeepVersions)
            .Where(v => !string.Equals(v, state.State.Current, StringComparison.Ordinal)).ToHashSet(StringComparer.Ordinal);
        if (pruned.Count == 0) return;
        var chunks = pruned.Select(v => (Version: v, Chunks: Stored(v)?.ChunkCount ?? 0)).ToList();
        var before = history.ToList();
        history.RemoveAll(h => pruned.Contains(h.Version));
        try
        {
            await state.WriteStateAsync();
        }
        catch (Exception e)
        {
            state.State.History = before;
            LogPruneFailed(e, string.Join(", ", pruned));
            return;
        }
        foreach (var (version, count) in chunks)
        {
            try
            {
                int deleted = await BundleChunks.DeleteAsync(GrainFactory, version, count);
                LogPruned(version, deleted, options.Value.KeepVersions);
            }
            catch (Exception e)
            {
                LogDeleteFailed(e, version);
            }
        }
    }

    public async Task<ModelVersionInfo> RollbackAsync(string version, string requestedBy)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(version);
        ArgumentException.ThrowIfNullOrWhiteSpace(requestedBy);
        var stored = Stored(version) ?? throw new KeyNotFoundException(
            $"Version '{version}' is not in the registry; stored versions: {string.Join(", ", StoredVersions())}.");
        var info = stored with { PublishedBy = requestedBy, PublishedAt = time.GetUtcNow(), IsRollback = true };
        await RecordAsync(info);
        await NotifyAsync(info);
        return info;
    }

    public Task<ModelVersionInfo?> GetCurrentAsync() => Task.FromResult(Current());

    public Task<ModelVersionInfo[]> GetHistoryAsync() => Task.FromResult(state.State.History.ToArray());

    public Task<byte[]> GetBundleChunkAsync(string version, int index)
    {
        var stored = Stored(version) ?? throw new KeyNotFoundException($"Version '{version}' is not in the registry.");
        if (index < 0 || index >= stored.ChunkCount)
            throw new ArgumentOutOfRangeException(nameof(index), index, $"Version '{version}' has {stored.ChunkCount} chunks.");
        return GrainFactory.GetGrain<IModelChunkGrain>(ModelChunkGrain.KeyOf(version, index)).ReadAsync();
    }

    public Task<ModelVersionInfo?> SubscribeAsync(string silo, IModelSubscriber subscriber)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(silo);
        ArgumentNullException.ThrowIfNull(subscriber);
        _silos[silo] = (subscriber, time.GetUtcNow());
        return Task.FromResult(Current());
    }

    /// <summary>
    /// Tells every live subscriber and waits until each has loaded the model (or failed: that silo catches up at its
    /// next check-in), so that when a publish returns the silos that answered serve the new version.
    /// </summary>
    private async Task NotifyAsync(ModelVersionInfo info)
    {
        if (options.Value.PublishNotifyDelay > TimeSpan.Zero)
        {
            LogNotifyDelayed(info.Version, options.Value.PublishNotifyDelay);
            await Task.Delay(options.Value.PublishNotifyDelay);
        }
        var expired = time.GetUtcNow() - 4 * options.Value.SyncInterval;
        foreach (var (silo, entry) in _silos.Where(s => s.Value.Seen < expired).ToList()) _silos.Remove(silo);
        var silos = _silos.ToArray();
        var loads = silos.Select(s => s.Value.Subscriber.LoadAsync(info)).ToArray();
        try { await Task.WhenAll(loads); }
        catch (Exception) { /* Reported per silo below. */ }
        for (int i = 0; i < loads.Length; i++)
            if (loads[i].IsFaulted) LogSiloMissed(loads[i].Exception!.GetBaseException(), silos[i].Key, info.Version);
    }

    private ModelVersionInfo? Current()
    {
        var history = state.State.History;
        for (int i = history.Count - 1; i >= 0; i--)
            if (history[i].Version == state.State.Current) return history[i];
        return null;
    }

    /// <summary>The first (non-rollback) publication of <paramref name="version"/>, whose chunks hold its bytes.</summary>
    private ModelVersionInfo? Stored(string version) =>
        state.State.History.FirstOrDefault(h => !h.IsRollback && string.Equals(h.Version, version, StringComparison.Ordinal));

    private IEnumerable<string> StoredVersions() => state.State.History.Where(h => !h.IsRollback).Select(h => h.Version);

    private async Task RecordAsync(ModelVersionInfo info)
    {
        string? previous = state.State.Current;
        state.State.History.Add(info);
        state.State.Current = info.Version;
        try
        {
            await state.WriteStateAsync();
        }
        catch (Exception e)
        {
            state.State.History.RemoveAt(state.State.History.Count - 1);
            state.State.Current = previous;
            throw new RecoStorageException($"Model registry: publication of '{info.Version}' could not be saved: {e.Message}", e);
        }
        metrics.Published(info.IsRollback);
        LogPublished(info.Version, info.PublishedBy, info.SizeBytes, info.ChunkCount, info.IsRollback);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Model {Version} is current (by {PublishedBy}, {SizeBytes} bytes in {Chunks} chunks, rollback: {IsRollback})")]
    private partial void LogPublished(string version, string publishedBy, long sizeBytes, int chunks, bool isRollback);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Model {Version} is recorded; the silos are told after a drill pause of {Delay} (Reco:Model:PublishNotifyDelay)")]
    private partial void LogNotifyDelayed(string version, TimeSpan delay);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Silo {Silo} did not load model {Version}; it catches up at its next check-in")]
    private partial void LogSiloMissed(Exception error, string silo, string version);

    [LoggerMessage(Level = LogLevel.Information, Message = "Deleted model {Version} ({Chunks} chunks): beyond the {Keep} versions kept (Reco:Model:KeepVersions)")]
    private partial void LogPruned(string version, int chunks, int keep);

    [LoggerMessage(Level = LogLevel.Information, Message = "Deleted {Chunks} chunks of model {Version}, which was never recorded (a refused or abandoned upload)")]
    private partial void LogDiscarded(string version, int chunks);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not delete the chunks of model {Version}; they stay until it is discarded again")]
    private partial void LogDeleteFailed(Exception error, string version);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not save the history without versions {Versions}; the next publication tries again")]
    private partial void LogPruneFailed(Exception error, string versions);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Refused a bundle of {SizeBytes} bytes from {PublishedBy}: {Reason}")]
    private partial void LogRefused(string publishedBy, long sizeBytes, string reason);
}
