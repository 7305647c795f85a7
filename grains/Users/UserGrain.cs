using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OrleansReco.Core.Model;
using OrleansReco.GrainInterfaces;
using OrleansReco.Grains.Events;
using OrleansReco.Grains.Model;
using OrleansReco.Grains.Placement;
using OrleansReco.Grains.Telemetry;

namespace OrleansReco.Grains.Users;

/// <summary>
/// A user: profile, the last N events, a window of recent event ids (a repeat is a no-op) and the embedding with
/// the model version it came from. Events are acknowledged only after the state is persisted.
/// </summary>
[ServingSilosOnly]
public sealed partial class UserGrain(
    [PersistentState("user", StorageNames.Users)] IPersistentState<UserState> state,
    IModelProvider models,
    IOptions<UserGrainOptions> options,
    RecoMetrics metrics,
    TimeProvider time,
    IEventArchive archive,
    ILogger<UserGrain> logger) : Grain, IUserGrain
{
    private HashSet<string>? _eventIds;

    public async Task<EventAck> RecordEventsAsync(UserEvent[] events)
    {
        ArgumentNullException.ThrowIfNull(events);
        foreach (var e in events) Validate(e);
        var s = state.State;
        var ids = _eventIds ??= new HashSet<string>(s.RecentEventIds, StringComparer.Ordinal);
        int accepted = 0, duplicates = 0;
        var kept = new List<UserEvent>(events.Length);
        foreach (var e in events)
        {
            if (e.EventId is { } id)
            {
                if (!ids.Add(id)) { duplicates++; continue; }
                s.RecentEventIds.Add(id);
            }
            Insert(s.Events, new StoredEvent(e.ItemId, e.EventType, e.Value, e.Timestamp, e.EventId));
            kept.Add(e);
            accepted++;
        }
        if (accepted > 0)
        {
            Trim(s, options.Value, ids);
            s.EventCount += accepted;
            RefreshIfModel("event");
            await PersistAsync();
            await archive.AppendAsync(this.GetPrimaryKeyString(), kept);
        }
        metrics.EventsIngested(accepted, duplicates);
        return new EventAck(accepted, duplicates, s.Events.Count, s.ModelVersion ?? "");
    }

    public async Task<UserEmbedding> SetProfileAsync(Dictionary<string, string> profile)
    {
        ArgumentNullException.ThrowIfNull(profile);
        state.State.Profile = new Dictionary<string, string>(profile, StringComparer.Ordinal);
        RefreshIfModel("profile");
        await PersistAsync();
        await archive.SaveProfileAsync(this.GetPrimaryKeyString(), state.State.Profile);
        return new UserEmbedding(state.State.Embedding ?? [], state.State.ModelVersion ?? "");
    }

    public Task<UserEmbedding> GetEmbeddingAsync()
    {
        EnsureCurrent();
        return Task.FromResult(new UserEmbedding(state.State.Embedding!, state.State.ModelVersion!));
    }

    public Task<UserContext> GetContextAsync()
    {
        EnsureCurrent();
        var s = state.State;
        var seen = new string[s.Events.Count];
        for (int i = 0; i < seen.Length; i++) seen[i] = s.Events[i].ItemId;
        return Task.FromResult(new UserContext(s.Embedding!, s.ModelVersion!, seen, new Dictionary<string, string>(s.Profile), s.EventCount));
    }

    public Task<UserHistory> GetHistoryAsync()
    {
        var s = state.State;
        var events = new HistoryEntry[s.Events.Count];
        for (int i = 0; i < events.Length; i++)
        {
            var e = s.Events[i];
            events[i] = new HistoryEntry(e.ItemId, e.EventType, e.Value, e.Timestamp, e.EventId);
        }
        return Task.FromResult(new UserHistory(new Dictionary<string, string>(s.Profile), events, s.EventCount, s.ModelVersion ?? ""));
    }

    /// <summary>Recomputes the embedding when there is none yet or the model moved on (not persisted: it is derived).</summary>
    private void EnsureCurrent()
    {
        var s = state.State;
        if (s.Embedding is null) Refresh("new");
        else if (!string.Equals(s.ModelVersion, models.Version, StringComparison.Ordinal)) Refresh("model");
    }

    /// <summary>
    /// Refreshes after a change when a model is loaded; without one the change is still persisted and acknowledged,
    /// and the embedding is computed on the first query after a model arrives.
    /// </summary>
    private void RefreshIfModel(string reason)
    {
        if (models.IsLoaded)
        {
            Refresh(reason);
            return;
        }
        state.State.Embedding = null;
        state.State.ModelVersion = null;
    }

    private void Refresh(string reason)
    {
        var model = models.Current;
        var s = state.State;
        int n = Math.Min(s.Events.Count, model.Header.History.Length);
        var history = new HistoryEvent[n];
        for (int i = 0; i < n; i++)
        {
            var e = s.Events[s.Events.Count - n + i];
            history[i] = new HistoryEvent(e.ItemId, e.EventType, e.Value, e.Timestamp);
        }
        var vector = new float[model.Dimension];
        model.EmbedUser(FeatureRows.ToRow(model.UserColumns, s.Profile), history, time.GetUtcNow().ToUnixTimeSeconds(), vector);
        s.Embedding = vector;
        s.ModelVersion = model.Version;
        metrics.EmbeddingRefreshed(reason);
    }

    private async Task PersistAsync()
    {
        try
        {
            await state.WriteStateAsync();
        }
        catch (Exception e)
        {
            // The in-memory state is ahead of storage: drop this activation so the next call reloads what was stored.
            LogPersistFailed(e, this.GetPrimaryKeyString());
            DeactivateOnIdle();
            throw new RecoStorageException($"User '{this.GetPrimaryKeyString()}': state could not be saved: {e.Message}", e);
        }
    }

    /// <summary>Inserts by timestamp (stable: equal timestamps keep arrival order), so late events land in place.</summary>
    private static void Insert(List<StoredEvent> events, StoredEvent e)
    {
        int i = events.Count;
        while (i > 0 && events[i - 1].Timestamp > e.Timestamp) i--;
        events.Insert(i, e);
    }

    private static void Trim(UserState s, UserGrainOptions o, HashSet<string> ids)
    {
        if (s.Events.Count > o.HistoryLength) s.Events.RemoveRange(0, s.Events.Count - o.HistoryLength);
        int excess = s.RecentEventIds.Count - o.EventIdWindow;
        if (excess <= 0) return;
        for (int i = 0; i < excess; i++) ids.Remove(s.RecentEventIds[i]);
        s.RecentEventIds.RemoveRange(0, excess);
    }

    private static void Validate(UserEvent e)
    {
        ArgumentNullException.ThrowIfNull(e);
        if (string.IsNullOrWhiteSpace(e.ItemId)) throw new ArgumentException($"Event '{e.EventId}' has no item id.");
        if (string.IsNullOrWhiteSpace(e.EventType)) throw new ArgumentException($"Event '{e.EventId}' has no event type.");
        if (!float.IsFinite(e.Value)) throw new ArgumentException($"Event '{e.EventId}' has value {e.Value}, which is not finite.");
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "User {UserId}: state could not be saved; the activation reloads")]
    private partial void LogPersistFailed(Exception error, string userId);
}
