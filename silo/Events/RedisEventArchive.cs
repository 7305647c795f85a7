using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Unicode;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OrleansReco.GrainInterfaces;
using OrleansReco.Grains.Events;
using StackExchange.Redis;

namespace OrleansReco.Silo.Events;

/// <summary>
/// The event archive in Redis, shared by every silo of the cluster. Events: one Redis Stream entry per event (fields
/// <c>user_id</c>, <c>item_id</c>, <c>type</c>, <c>value</c>, <c>timestamp</c> and <c>event_id</c> when the event has
/// one); the entry id is the arrival time by Redis' clock, so retention trims by arrival (<c>XTRIM MINID ~</c> below Redis' <c>TIME</c> minus the retention, at most once a minute
/// per instance) and every append bounds the length approximately (<c>XADD MAXLEN ~</c>). Profiles: one hash field
/// per user holding the features as JSON.
/// </summary>
public sealed partial class RedisEventArchive : IEventArchive
{
    /// <summary>Entries fetched per XRANGE call when reading.</summary>
    public const int ReadPageSize = 10_000;

    private static readonly TimeSpan TrimInterval = TimeSpan.FromMinutes(1);

    // Arabic and other scripts stay readable in the stored JSON (redis-cli); only JSON's own syntax is escaped.
    private static readonly JsonSerializerOptions ProfileJson = new() { Encoder = JavaScriptEncoder.Create(UnicodeRanges.All) };

    private readonly IConnectionMultiplexer _redis;
    private readonly EventArchiveOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<RedisEventArchive> _logger;
    private readonly RedisKey _events;
    private readonly RedisKey _profiles;
    private long _nextTrimTicks = long.MinValue;

    public RedisEventArchive(IConnectionMultiplexer redis, IOptions<EventArchiveOptions> options, TimeProvider time, ILogger<RedisEventArchive> logger)
    {
        _redis = redis;
        _options = options.Value;
        _time = time;
        _logger = logger;
        _events = _options.Key ?? throw new ArgumentException("EventArchiveOptions.Key is not resolved.", nameof(options));
        _profiles = _options.ProfilesKey ?? throw new ArgumentException("EventArchiveOptions.ProfilesKey is not resolved.", nameof(options));
    }

    private IDatabase Db => _redis.GetDatabase();

    /// <summary>The stream of events.</summary>
    public string EventsKey => _events.ToString();

    /// <summary>The hash of profiles.</summary>
    public string ProfilesKey => _profiles.ToString();

    public long Count => Db.StreamLength(_events);

    public async ValueTask AppendAsync(string userId, IReadOnlyList<UserEvent> events, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(userId);
        ArgumentNullException.ThrowIfNull(events);
        if (events.Count == 0) return;
        var db = Db;
        // Pipelined: every XADD is sent before the first answer is awaited.
        var adds = new Task<RedisValue>[events.Count];
        for (int i = 0; i < adds.Length; i++)
            adds[i] = db.StreamAddAsync(_events, Fields(userId, events[i]), messageId: null, maxLength: _options.MaxLength, useApproximateMaxLength: true);
        await Task.WhenAll(adds).WaitAsync(cancellationToken);
        await TrimIfDueAsync(db);
    }

    /// <summary>
    /// Reads the whole stream in pages and keeps the window; events are returned sorted by timestamp, events with
    /// equal timestamps in arrival order. The window is held in memory (as the trainer needs it in time order).
    /// </summary>
    public async IAsyncEnumerable<ArchivedEvent> ReadAsync(long fromTimestamp, long toTimestamp, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var window = new List<ArchivedEvent>();
        // A user grain sends an event again when a crash lost the archive's confirmation (its outbox); one copy per
        // user and event id is read.
        var seen = new HashSet<(string, string)>();
        var db = Db;
        RedisValue start = "-";
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var page = await db.StreamRangeAsync(_events, start, "+", ReadPageSize);
            foreach (var entry in page)
            {
                if (TryParse(entry) is { } e && e.Timestamp >= fromTimestamp && e.Timestamp < toTimestamp
                    && (e.EventId is null || seen.Add((e.UserId, e.EventId)))) window.Add(e);
            }
            if (page.Length < ReadPageSize) break;
            start = "(" + page[^1].Id;
        }
        // OrderBy is stable: ties keep stream (arrival) order.
        foreach (var e in window.OrderBy(e => e.Timestamp))
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return e;
        }
    }

    public async ValueTask SaveProfileAsync(string userId, IReadOnlyDictionary<string, string> features, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(userId);
        ArgumentNullException.ThrowIfNull(features);
        string json = JsonSerializer.Serialize(features, ProfileJson);
        await Db.HashSetAsync(_profiles, userId, json).WaitAsync(cancellationToken);
    }

    public async IAsyncEnumerable<ArchivedProfile> ReadProfilesAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await foreach (var field in Db.HashScanAsync(_profiles, pageSize: 1000).WithCancellation(cancellationToken))
        {
            Dictionary<string, string>? features = null;
            try
            {
                features = JsonSerializer.Deserialize<Dictionary<string, string>>(field.Value.ToString());
            }
            catch (JsonException e)
            {
                LogBadProfile(e, _profiles.ToString(), field.Name.ToString());
            }
            if (features is not null)
                yield return new ArchivedProfile(field.Name.ToString(), new Dictionary<string, string>(features, StringComparer.Ordinal));
        }
    }

    /// <summary>Trims entries older than the retention, at most once per <see cref="TrimInterval"/>; a failure is logged and retried next interval.</summary>
    private async Task TrimIfDueAsync(IDatabase db)
    {
        long now = _time.GetUtcNow().UtcTicks;
        long due = Interlocked.Read(ref _nextTrimTicks);
        if (now < due || Interlocked.CompareExchange(ref _nextTrimTicks, now + TrimInterval.Ticks, due) != due) return;
        try
        {
            // By Redis' clock, which stamped the entry ids, not this silo's (which may be off).
            long minId = await RedisNowMillisecondsAsync(db) - (long)_options.Retention.TotalMilliseconds;
            long trimmed = await db.StreamTrimByMinIdAsync(_events, minId.ToString(CultureInfo.InvariantCulture), useApproximateMaxLength: true);
            if (trimmed > 0) LogTrimmed(_events.ToString(), trimmed, _options.Retention);
        }
        catch (RedisException e)
        {
            LogTrimFailed(e, _events.ToString());
        }
    }

    /// <summary>Redis' clock (<c>TIME</c>) in unix milliseconds.</summary>
    public static async Task<long> RedisNowMillisecondsAsync(IDatabase db)
    {
        var time = (RedisResult[])(await db.ExecuteAsync("TIME"))!;
        return (long)time[0] * 1000 + (long)time[1] / 1000;
    }

    private static NameValueEntry[] Fields(string userId, UserEvent e)
    {
        var fields = new NameValueEntry[e.EventId is null ? 5 : 6];
        fields[0] = new("user_id", userId);
        fields[1] = new("item_id", e.ItemId);
        fields[2] = new("type", e.EventType);
        fields[3] = new("value", e.Value.ToString("R", CultureInfo.InvariantCulture));
        fields[4] = new("timestamp", e.Timestamp);
        if (e.EventId is { } id) fields[5] = new("event_id", id);
        return fields;
    }

    private ArchivedEvent? TryParse(StreamEntry entry)
    {
        string? userId = null, itemId = null, type = null, eventId = null;
        float value = float.NaN;
        long timestamp = 0;
        bool hasTimestamp = false;
        foreach (var field in entry.Values)
        {
            switch (field.Name.ToString())
            {
                case "user_id": userId = field.Value.ToString(); break;
                case "item_id": itemId = field.Value.ToString(); break;
                case "type": type = field.Value.ToString(); break;
                case "event_id": eventId = field.Value.ToString(); break;
                case "value": float.TryParse(field.Value.ToString(), NumberStyles.Float, CultureInfo.InvariantCulture, out value); break;
                case "timestamp": hasTimestamp = long.TryParse(field.Value.ToString(), NumberStyles.Integer, CultureInfo.InvariantCulture, out timestamp); break;
            }
        }
        if (userId is null || itemId is null || type is null || !hasTimestamp || !float.IsFinite(value))
        {
            LogBadEntry(_events.ToString(), entry.Id.ToString());
            return null;
        }
        return new ArchivedEvent(userId, eventId, itemId, type, value, timestamp);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Event archive {Key}: trimmed {Count} entries older than {Retention}")]
    private partial void LogTrimmed(string key, long count, TimeSpan retention);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Event archive {Key}: trimming failed; retried on a later append")]
    private partial void LogTrimFailed(Exception error, string key);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Event archive {Key}: entry {EntryId} lacks user_id, item_id, type, a finite value or an integer timestamp; skipped")]
    private partial void LogBadEntry(string key, string entryId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Profiles {Key}: user {UserId}'s profile is not a JSON object of strings; skipped")]
    private partial void LogBadProfile(Exception error, string key, string userId);
}
