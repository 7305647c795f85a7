using System.Diagnostics;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OrleansReco.GrainInterfaces;
using OrleansReco.Grains.Telemetry;
using StackExchange.Redis;

namespace OrleansReco.Silo.Events;

/// <summary>
/// Consumes the producers' Redis Stream as one member of the silos' consumer group. Each batch: entries that fail
/// to parse or validate go to the dead-letter stream (original fields plus <c>reason</c> and <c>source_id</c>) and
/// are acknowledged; valid events are grouped by user and recorded through <see cref="IUserGrain.RecordEventsAsync"/>
/// (several users at a time), and an entry is acknowledged only after its user's call returned, i.e. after the
/// user's state was persisted. An entry whose call failed stays pending and is claimed again (by any silo) once it
/// has been idle for <see cref="EventStreamOptions.ClaimIdle"/>; after <see cref="EventStreamOptions.MaxDeliveries"/>
/// deliveries it is dead-lettered. Delivery is at least once; the user grain's event-id window makes a repeat a
/// no-op, so each event counts once.
/// <para>
/// It is a <see cref="BackgroundService"/> started and stopped by the silo lifecycle (stage Active) rather than by the
/// host: it runs only while grains can be called, and on shutdown it stops, finishing the batch in flight, before
/// the silo deactivates grains. On start it first re-reads its own pending entries (id <c>0</c>), left from a
/// previous run under the same consumer name, then reads new ones (<c>&gt;</c>).
/// </para>
/// </summary>
public sealed partial class EventStreamConsumer : BackgroundService, ILifecycleParticipant<ISiloLifecycle>
{
    private static readonly TimeSpan MaxClaimCheckInterval = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan BacklogProbeInterval = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan ErrorBackoff = TimeSpan.FromSeconds(1);

    private readonly IConnectionMultiplexer _redis;
    private readonly IGrainFactory _grains;
    private readonly ILocalSiloDetails _silo;
    private readonly EventStreamOptions _options;
    private readonly RecoMetrics _metrics;
    private readonly TimeProvider _time;
    private readonly ILogger<EventStreamConsumer> _logger;
    private readonly RedisKey _key;
    private readonly RedisKey _deadLetters;
    private readonly RedisValue _group;
    private readonly TimeSpan _claimCheckInterval;
    private const int MaxRememberedErrors = 10_000;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, string> _lastErrors = new(StringComparer.Ordinal);
    private string _consumer = "";
    /// <summary>The highest entry id this silo acknowledged (where a vanished group is created again).</summary>
    private RedisValue _lastAcknowledged = RedisValue.Null;

    public EventStreamConsumer(
        IConnectionMultiplexer redis,
        IGrainFactory grains,
        ILocalSiloDetails silo,
        IOptions<EventStreamOptions> options,
        RecoMetrics metrics,
        TimeProvider time,
        ILogger<EventStreamConsumer> logger)
    {
        _redis = redis;
        _grains = grains;
        _silo = silo;
        _options = options.Value;
        _metrics = metrics;
        _time = time;
        _logger = logger;
        _key = _options.Key ?? throw new ArgumentException("EventStreamOptions.Key is not resolved.", nameof(options));
        _deadLetters = _options.DeadLetterKey ?? throw new ArgumentException("EventStreamOptions.DeadLetterKey is not resolved.", nameof(options));
        _group = _options.Group;
        _claimCheckInterval = TimeSpan.FromTicks(Math.Min(_options.ClaimIdle.Ticks / 2, MaxClaimCheckInterval.Ticks));
    }

    /// <summary>
    /// This silo's name in the consumer group: host name and silo port, stable across restarts of the same silo (a
    /// pod keeps its name in a StatefulSet), so a restarted silo picks up the entries it left pending.
    /// </summary>
    public string ConsumerName => _consumer;

    /// <summary>The highest entry id this silo acknowledged; null before its first acknowledgement.</summary>
    public RedisValue LastAcknowledged => _lastAcknowledged;

    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(nameof(EventStreamConsumer), ServiceLifecycleStage.Active, StartAsync, StopAsync);

    public override Task StartAsync(CancellationToken cancellationToken)
    {
        _consumer = $"{Environment.MachineName}:{_silo.SiloAddress.Endpoint.Port}";
        return base.StartAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Leave the lifecycle's start at once; the loop runs on the thread pool.
        await Task.Yield();
        LogStarting(_key.ToString(), _group.ToString(), _consumer);
        var db = _redis.GetDatabase();
        RedisValue ownPending = "0";          // re-read own pending entries first, then only new ones
        RedisValue claimCursor = "0-0";
        var nextClaim = _time.GetUtcNow();
        var nextProbe = _time.GetUtcNow();
        var nextTrim = _time.GetUtcNow() + _options.TrimInterval;
        bool groupReady = false, groupLost = false;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                if (!groupReady)
                {
                    await EnsureGroupAsync(db, recreate: groupLost);
                    groupReady = true;
                    groupLost = false;
                }
                var now = _time.GetUtcNow();
                if (now >= nextProbe)
                {
                    nextProbe = now + BacklogProbeInterval;
                    await ProbeBacklogAsync(db);
                }

                StreamEntry[] batch = [];
                bool redelivered = true;
                if (!ownPending.IsNull)
                {
                    batch = await db.StreamReadGroupAsync(_key, _group, _consumer, ownPending, _options.BatchSize);
                    ownPending = batch.Length == 0 ? RedisValue.Null : batch[^1].Id;
                }
                if (batch.Length == 0 && now >= nextClaim)
                {
                    var claimed = await db.StreamAutoClaimAsync(_key, _group, _consumer, (long)_options.ClaimIdle.TotalMilliseconds, claimCursor, _options.BatchSize);
                    claimCursor = claimed.NextStartId;
                    // A full scan of the pending list ends with cursor 0-0; only then wait for the next check.
                    if (claimCursor == "0-0")
                    {
                        nextClaim = now + _claimCheckInterval;
                        await ForgetIdleConsumersAsync(db);
                    }
                    if (now >= nextTrim)
                    {
                        nextTrim = now + _options.TrimInterval;
                        long trimmed = await StreamTrimmer.TrimAcknowledgedAsync(db, _key);
                        if (trimmed > 0) LogTrimmed(trimmed, _key.ToString());
                    }
                    // Pending entries removed from the stream (trimmed or deleted) before they were saved: XAUTOCLAIM
                    // drops them from the group; they are dead-lettered by id and counted, never lost silently.
                    if (claimed.DeletedIds is { Length: > 0 } deleted)
                        await DeadLetterTrimmedAsync(db, deleted, acknowledge: false);
                    batch = claimed.ClaimedEntries ?? [];
                    if (batch.Length > 0) LogClaimed(batch.Length, _key.ToString());
                }
                if (batch.Length == 0)
                {
                    batch = await db.StreamReadGroupAsync(_key, _group, _consumer, StreamPosition.NewMessages, _options.BatchSize);
                    redelivered = false;
                }
                if (batch.Length == 0)
                {
                    await Task.Delay(_options.PollInterval, _time, stoppingToken);
                    continue;
                }
                // Not cancellable: a stopping silo finishes the batch in flight (and acknowledges what was persisted).
                await HandleBatchAsync(db, batch, redelivered);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e)
            {
                // Redis unreachable or timing out, or anything unexpected: log, wait, go on (nothing was acknowledged
                // that was not saved, so whatever was in flight is delivered again).
                // NOGROUP: the group (or the whole stream) was deleted; create it again, after what was handled.
                if (e.Message.Contains("NOGROUP", StringComparison.Ordinal)) (groupReady, groupLost) = (false, true);
                LogReadFailed(e, _key.ToString());
                try { await Task.Delay(ErrorBackoff, _time, stoppingToken); }
                catch (OperationCanceledException) { break; }
            }
        }
        LogStopped(_key.ToString(), _consumer);
    }

    /// <summary>
    /// Creates the stream and the group unless they exist: at first from the start of the stream (producers may have
    /// written before any silo ran); when the group vanished while this silo consumed (<paramref name="recreate"/>),
    /// after the last entry this silo acknowledged (or at the end of the stream when it acknowledged none), so that
    /// the stream is not replayed from its start.
    /// </summary>
    private async Task EnsureGroupAsync(IDatabase db, bool recreate)
    {
        RedisValue position = !recreate ? StreamPosition.Beginning : _lastAcknowledged.IsNull ? (RedisValue)"$" : _lastAcknowledged;
        try
        {
            await db.StreamCreateConsumerGroupAsync(_key, _group, position, createStream: true);
            if (recreate) LogGroupRecreated(_group.ToString(), _key.ToString(), position.ToString());
            else LogGroupCreated(_group.ToString(), _key.ToString());
        }
        catch (RedisServerException e) when (e.Message.StartsWith("BUSYGROUP", StringComparison.Ordinal))
        {
            // The group exists already (another silo, or an earlier run, created it).
        }
    }

    /// <summary>Handles one batch; acknowledges exactly the entries that were persisted or dead-lettered.</summary>
    private async Task HandleBatchAsync(IDatabase db, StreamEntry[] batch, bool redelivered)
    {
        long start = Stopwatch.GetTimestamp();
        var deliveries = redelivered ? await DeliveryCountsAsync(db, batch) : null;
        long latest = GrainInterfaces.Events.EventValidation.Latest(_time.GetUtcNow(), _options.MaxFutureSkew);
        var acks = new List<RedisValue>(batch.Length);
        var dead = new List<(StreamEntry Entry, string Reason)>();
        var byUser = new Dictionary<string, (List<RedisValue> Ids, List<UserEvent> Events)>(StringComparer.Ordinal);
        var trimmed = new List<RedisValue>();
        foreach (var entry in batch)
        {
            // An entry trimmed or deleted while pending comes back without fields: dead-lettered by id (below).
            if (entry.IsNull || entry.Values is not { Length: > 0 })
            {
                trimmed.Add(entry.Id);
                continue;
            }
            if (deliveries is not null && deliveries.TryGetValue(entry.Id.ToString(), out long count) && count > _options.MaxDeliveries)
            {
                string last = _lastErrors.TryRemove(entry.Id.ToString(), out var error) ? $"; last error here: {error}" : "";
                dead.Add((entry, $"delivery: not persisted after {count - 1} deliveries (Reco:Events:Stream:MaxDeliveries = {_options.MaxDeliveries}){last}"));
                continue;
            }
            var fields = new KeyValuePair<string, string>[entry.Values.Length];
            for (int i = 0; i < fields.Length; i++) fields[i] = new(entry.Values[i].Name.ToString(), entry.Values[i].Value.ToString());
            var parsed = StreamEventParser.Parse(entry.Id.ToString(), fields, latest: latest);
            if (!parsed.IsValid)
            {
                dead.Add((entry, parsed.Reason));
                continue;
            }
            if (!byUser.TryGetValue(parsed.UserId!, out var group))
                byUser[parsed.UserId!] = group = ([], []);
            group.Ids.Add(entry.Id);
            group.Events.Add(parsed.Event!);
        }

        if (trimmed.Count > 0) await DeadLetterTrimmedAsync(db, [.. trimmed], acknowledge: true);
        long deadLettered = await DeadLetterAsync(db, dead, acks);
        long accepted = 0, duplicates = 0, retry = 0;
        var gate = new Lock();
        await Parallel.ForEachAsync(byUser, new ParallelOptions { MaxDegreeOfParallelism = _options.MaxConcurrentUsers }, async (user, _) =>
        {
            try
            {
                var ack = await _grains.User(user.Key).RecordEventsAsync([.. user.Value.Events]);
                lock (gate)
                {
                    acks.AddRange(user.Value.Ids);
                    accepted += ack.Accepted;
                    duplicates += ack.Duplicates;
                }
            }
            catch (Exception e)
            {
                // Not acknowledged: the entries stay pending and are claimed again after ClaimIdle.
                lock (gate) retry += user.Value.Ids.Count;
                RememberError(user.Value.Ids, e);
                LogRecordFailed(e, user.Key, user.Value.Ids.Count);
            }
        });

        if (acks.Count > 0)
        {
            await db.StreamAcknowledgeAsync(_key, _group, [.. acks]);
            foreach (var id in acks) if (StreamIds.Compare(id, _lastAcknowledged) > 0) _lastAcknowledged = id;
        }
        _metrics.StreamEvents("accepted", accepted);
        _metrics.StreamEvents("duplicate", duplicates);
        _metrics.StreamEvents("dead_letter", deadLettered);
        _metrics.StreamEvents("retry", retry);
        _metrics.StreamBatchHandled(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
    }

    /// <summary>
    /// Keeps the last failure of entries left pending (bounded), so that a dead letter after too many deliveries
    /// says why — when this silo was the one that saw it fail.
    /// </summary>
    private void RememberError(List<RedisValue> ids, Exception error)
    {
        if (_lastErrors.Count > MaxRememberedErrors) _lastErrors.Clear();
        string message = $"{error.GetType().Name}: {error.GetBaseException().Message}";
        if (message.Length > 300) message = message[..300] + "…";
        foreach (var id in ids) _lastErrors[id.ToString()] = message;
    }

    /// <summary>
    /// Removes consumers that have nothing pending and have been idle longer than
    /// <see cref="EventStreamOptions.ForgetIdleConsumersAfter"/> (silos that are gone); never this silo's own.
    /// </summary>
    private async Task ForgetIdleConsumersAsync(IDatabase db)
    {
        foreach (var consumer in await db.StreamConsumerInfoAsync(_key, _group))
        {
            if (consumer.Name == _consumer || consumer.PendingMessageCount > 0) continue;
            if (consumer.IdleTimeInMilliseconds < (long)_options.ForgetIdleConsumersAfter.TotalMilliseconds) continue;
            await db.StreamDeleteConsumerAsync(_key, _group, consumer.Name);
            _metrics.StreamConsumerRemoved(_key.ToString());
            LogForgotConsumer(consumer.Name, _group.ToString());
        }
    }

    /// <summary>Delivery counts of redelivered entries (XPENDING over the batch's id range, this consumer only).</summary>
    private async Task<Dictionary<string, long>> DeliveryCountsAsync(IDatabase db, StreamEntry[] batch)
    {
        var pending = await db.StreamPendingMessagesAsync(_key, _group, Math.Max(batch.Length * 2, 1000), _consumer, batch[0].Id, batch[^1].Id);
        var counts = new Dictionary<string, long>(pending.Length, StringComparer.Ordinal);
        foreach (var p in pending) counts[p.MessageId.ToString()] = p.DeliveryCount;
        return counts;
    }

    private async Task ProbeBacklogAsync(IDatabase db)
    {
        foreach (var info in await db.StreamGroupInfoAsync(_key))
        {
            if (info.Name != _group.ToString()) continue;
            _metrics.StreamBacklog(_key.ToString(), info.Name, info.PendingMessageCount + (info.Lag ?? 0));
        }
    }
}
