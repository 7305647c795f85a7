using System.Buffers;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OrleansReco.Core.Data;
using OrleansReco.Core.Model;
using OrleansReco.GrainInterfaces;
using OrleansReco.Grains.Events;
using OrleansReco.Grains.Model;
using OrleansReco.Grains.Placement;
using OrleansReco.Grains.Storage;
using OrleansReco.Grains.Telemetry;

namespace OrleansReco.Grains.Users;

/// <summary>
/// A user: profile, the last N events, a window of recent event ids (a repeat is a no-op) and the embedding with
/// the model version it came from. Each accepted batch is appended to the user's store before it is acknowledged;
/// every <see cref="UserGrainOptions.SnapshotEvery"/> events, on a profile change and on deactivation the whole user
/// is written as a snapshot that replaces the appended entries. Stored events go to the event archive through an
/// outbox kept with the user, so the archive gets every acknowledged event even when it is down for a while.
/// </summary>
[ServingSilosOnly]
public sealed partial class UserGrain(
    IUserStore store,
    PreviousLayout previous,
    IModelProvider models,
    IOptions<UserGrainOptions> options,
    RecoMetrics metrics,
    TimeProvider time,
    IEventArchive archive,
    ILogger<UserGrain> logger) : Grain, IUserGrain
{
    private UserData _user = new();
    private long _version;
    // The profile as the current model's user tower reads it, and what it was built from (rebuilt when either changes).
    private string?[]? _profileRow;
    private Dictionary<string, string>? _profileRowOf;
    private IReadOnlyList<FeatureColumn>? _profileRowColumns;
    private int _sinceSnapshot;
    private bool _stale;
    private bool _archivedSinceSnapshot;

    private string UserId => this.GetPrimaryKeyString();

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        StoredUser stored;
        try
        {
            stored = await store.LoadAsync(UserId);
            if (stored.IsEmpty) stored = await MigrateAsync() ?? stored;
        }
        catch (Exception e)
        {
            LogLoadFailed(e, UserId);
            throw new RecoStorageException($"User '{UserId}': state could not be read: {e.Message}", e);
        }
        _user = stored.Snapshot ?? new UserData();
        long archived = _user.ArchivedThrough;
        foreach (var entry in stored.Tail) archived = Math.Max(archived, entry.ArchivedThrough);
        // An entry written after the snapshot may say that the snapshot's outbox has reached the archive since.
        if (archived >= stored.SnapshotVersion) _user.Outbox.Clear();
        foreach (var entry in stored.Tail)
        {
            foreach (var e in entry.Events) _user.Add(e);
            _user.Trim(options.Value);
            _sinceSnapshot += entry.Events.Length;
            if (entry.Version > archived) _user.Outbox.AddRange(entry.Events);
        }
        _user.ArchivedThrough = archived;
        // The snapshot's embedding predates the replayed events; the first query computes a current one.
        if (stored.Tail.Count > 0) ClearEmbedding();
        _version = stored.Version;
        await ArchiveOutboxAsync();
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        if (_stale) return;
        await ArchiveOutboxAsync();
        if (_sinceSnapshot == 0 && !_archivedSinceSnapshot) return;
        try
        {
            await WriteSnapshotAsync();
        }
        catch (Exception e)
        {
            // Nothing is lost: the appended entries stay and the next activation replays them.
            LogSnapshotFailed(e, UserId);
        }
    }

    public async Task<EventAck> RecordEventsAsync(UserEvent[] events)
    {
        ArgumentNullException.ThrowIfNull(events);
        foreach (var e in events) Validate(e);
        ThrowIfStale();
        var added = new EventRecord[events.Length];
        int accepted = 0;
        foreach (var e in events)
        {
            var record = new EventRecord(SharedStrings.ItemId(e.ItemId), SharedStrings.EventType(e.EventType), e.Value, e.Timestamp, e.EventId);
            if (_user.Add(record)) added[accepted++] = record;
        }
        int duplicates = events.Length - accepted;
        if (accepted > 0)
        {
            _user.Trim(options.Value);
            RefreshIfModel("event");
            await PersistAsync(async () => _version = await store.AppendAsync(UserId, _version, _user.ArchivedThrough, added.AsMemory(0, accepted)));
            _sinceSnapshot += accepted;
            _user.Outbox.AddRange(added.AsSpan(0, accepted));
        }
        // Stored, so acknowledged whether or not the archive takes the events now; the outbox keeps them until it does.
        await ArchiveOutboxAsync();
        if (accepted > 0 && _sinceSnapshot >= options.Value.SnapshotEvery) await SnapshotAfterAppendAsync();
        metrics.EventsIngested(accepted, duplicates);
        return new EventAck(accepted, duplicates, _user.Events.Count, _user.ModelVersion ?? "");
    }

    public async Task<UserEmbedding> SetProfileAsync(Dictionary<string, string> profile)
    {
        ArgumentNullException.ThrowIfNull(profile);
        ThrowIfStale();
        _user.Profile = new Dictionary<string, string>(profile, StringComparer.Ordinal);
        RefreshIfModel("profile");
        // Profiles change rarely: the change is stored as a snapshot rather than as a second kind of log entry.
        await PersistAsync(WriteSnapshotAsync);
        await archive.SaveProfileAsync(UserId, _user.Profile);
        return new UserEmbedding(_user.Embedding ?? [], _user.ModelVersion ?? "");
    }

    public Task<UserEmbedding> GetEmbeddingAsync()
    {
        EnsureCurrent();
        return Task.FromResult(new UserEmbedding(_user.Embedding!, _user.ModelVersion!));
    }

    public Task<UserContext> GetContextAsync()
    {
        EnsureCurrent();
        var u = _user;
        var seen = new string[u.Events.Count];
        for (int i = 0; i < seen.Length; i++) seen[i] = u.Events[i].ItemId;
        return Task.FromResult(new UserContext(u.Embedding!, u.ModelVersion!, seen, new Dictionary<string, string>(u.Profile), u.EventCount));
    }

    public Task<UserHistory> GetHistoryAsync()
    {
        var u = _user;
        var events = new UserEvent[u.Events.Count];
        for (int i = 0; i < events.Length; i++)
        {
            var e = u.Events[i];
            events[i] = new UserEvent(e.EventId, e.ItemId, e.EventType, e.Value, e.Timestamp);
        }
        return Task.FromResult(new UserHistory(new Dictionary<string, string>(u.Profile), events, u.EventCount, u.ModelVersion ?? ""));
    }

    /// <summary>Recomputes the embedding when there is none yet or the model moved on (not persisted: it is derived).</summary>
    private void EnsureCurrent()
    {
        if (_user.Embedding is null) Refresh("new");
        else if (!string.Equals(_user.ModelVersion, models.Version, StringComparison.Ordinal)) Refresh("model");
    }

    /// <summary>
    /// Refreshes after a change when a model is loaded; without one the change is still persisted and acknowledged,
    /// and the embedding is computed on the first query after a model arrives.
    /// </summary>
    private void RefreshIfModel(string reason)
    {
        if (models.IsLoaded) Refresh(reason);
        else ClearEmbedding();
    }

    private void ClearEmbedding()
    {
        _user.Embedding = null;
        _user.ModelVersion = null;
    }

    private void Refresh(string reason)
    {
        var model = models.Current;
        var u = _user;
        int n = Math.Min(u.Events.Count, model.Header.History.Length);
        // A pooled window (cleared on return: it holds item ids) and the profile row kept while neither the profile nor
        // the model's columns change: a refresh on every event allocates only the vector it stores.
        var history = ArrayPool<HistoryEvent>.Shared.Rent(n);
        try
        {
            for (int i = 0; i < n; i++)
            {
                var e = u.Events[u.Events.Count - n + i];
                history[i] = new HistoryEvent(e.ItemId, e.EventType, e.Value, e.Timestamp);
            }
            if (!ReferenceEquals(_profileRowOf, u.Profile) || !ReferenceEquals(_profileRowColumns, model.UserColumns))
                (_profileRow, _profileRowOf, _profileRowColumns) = (FeatureRows.ToRow(model.UserColumns, u.Profile), u.Profile, model.UserColumns);
            var vector = new float[model.Dimension];
            model.EmbedUser(_profileRow, history.AsSpan(0, n), time.GetUtcNow().ToUnixTimeSeconds(), vector);
            u.Embedding = vector;
        }
        finally
        {
            ArrayPool<HistoryEvent>.Shared.Return(history, clearArray: true);
        }
        u.ModelVersion = model.Version;
        metrics.EmbeddingRefreshed(reason);
    }

    private async Task WriteSnapshotAsync()
    {
        _version = await store.WriteSnapshotAsync(UserId, _version, _user);
        _sinceSnapshot = 0;
        _archivedSinceSnapshot = false;
    }

    /// <summary>
    /// Sends the outbox (stored events the archive has not confirmed) to the event archive. On failure the events stay
    /// in the outbox, which is stored with the user, and go again with the next batch, on deactivation or on the next
    /// activation; after a crash a batch may go twice, and archive readers keep one copy per event id.
    /// </summary>
    private async Task ArchiveOutboxAsync()
    {
        var outbox = _user.Outbox;
        if (outbox.Count == 0) return;
        var events = new UserEvent[outbox.Count];
        for (int i = 0; i < events.Length; i++)
        {
            var e = outbox[i];
            events[i] = new UserEvent(e.EventId, e.ItemId, e.EventType, e.Value, e.Timestamp);
        }
        try
        {
            await archive.AppendAsync(UserId, events);
        }
        catch (Exception e)
        {
            LogArchiveFailed(e, UserId, events.Length);
            return;
        }
        outbox.Clear();
        _user.ArchivedThrough = _version;
        _archivedSinceSnapshot = true;
    }

    /// <summary>
    /// The batch is stored already (appended), so a failed snapshot does not fail the call: the entries stay until a
    /// later snapshot. The activation is dropped, since whether the snapshot landed is unknown.
    /// </summary>
    private async Task SnapshotAfterAppendAsync()
    {
        try
        {
            await WriteSnapshotAsync();
        }
        catch (Exception e)
        {
            LogSnapshotFailed(e, UserId);
            _stale = true;
            DeactivateOnIdle();
        }
    }

    /// <summary>Awaits a store write; on failure the activation is dropped (memory is ahead of storage) and the caller gets <see cref="RecoStorageException"/>.</summary>
    private async Task PersistAsync(Func<Task> write)
    {
        try
        {
            await write();
        }
        catch (Exception e)
        {
            LogPersistFailed(e, UserId);
            _stale = true;
            DeactivateOnIdle();
            throw new RecoStorageException($"User '{UserId}': state could not be saved: {e.Message}", e);
        }
    }

    private void ThrowIfStale()
    {
        if (_stale) throw new RecoStorageException($"User '{UserId}': a write failed and the activation is reloading; retry.");
    }

    private static void Validate(UserEvent e)
    {
        ArgumentNullException.ThrowIfNull(e);
        if (string.IsNullOrWhiteSpace(e.ItemId)) throw new ArgumentException($"Event '{e.EventId}' has no item id.");
        if (string.IsNullOrWhiteSpace(e.EventType)) throw new ArgumentException($"Event '{e.EventId}' has no event type.");
        if (!float.IsFinite(e.Value)) throw new ArgumentException($"Event '{e.EventId}' has value {e.Value}, which is not finite.");
    }

    /// <summary>Moves a user stored by the previous layout into the store (snapshot first, then the old record is cleared).</summary>
    private async Task<StoredUser?> MigrateAsync()
    {
        var old = await previous.ReadAsync<UserState>(StorageNames.Users, "user", this.GetGrainId());
        if (old is null) return null;
        var user = old.State.ToUserData();
        user.Trim(options.Value);
        long version = await store.WriteSnapshotAsync(UserId, 0, user);
        await old.ClearAsync();
        LogMigrated(UserId, user.Events.Count);
        return new StoredUser(user, version, [], version);
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "User {UserId}: state could not be saved; the activation reloads")]
    private partial void LogPersistFailed(Exception error, string userId);

    [LoggerMessage(Level = LogLevel.Error, Message = "User {UserId}: state could not be read")]
    private partial void LogLoadFailed(Exception error, string userId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "User {UserId}: snapshot could not be written; the appended entries are kept and replayed on the next activation")]
    private partial void LogSnapshotFailed(Exception error, string userId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "User {UserId}: the event archive did not take {Count} stored events; they stay in the user's outbox and are sent again")]
    private partial void LogArchiveFailed(Exception error, string userId, int count);

    [LoggerMessage(Level = LogLevel.Information, Message = "User {UserId}: moved from the previous storage layout ({Events} events)")]
    private partial void LogMigrated(string userId, int events);
}
