using Microsoft.Extensions.Options;

namespace OrleansReco.Silo.Events;

/// <summary>
/// The Redis Stream that producers write events to and the silos consume as one consumer group. Bound from section
/// <c>Reco:Events:Stream</c>; used only with <c>Reco:Cluster:Provider=Redis</c>, on silos that serve.
/// </summary>
public sealed class EventStreamOptions
{
    public const string Section = "Reco:Events:Stream";

    /// <summary>Consume the stream (default true; only with the Redis provider).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>The stream producers write to. Default <c>{ServiceId}:events:in</c>.</summary>
    public string? Key { get; set; }

    /// <summary>The consumer group shared by every silo. Default <c>reco-silos</c>.</summary>
    public string Group { get; set; } = "reco-silos";

    /// <summary>Where entries that cannot be accepted go, with a <c>reason</c>. Default <c>{Key}:dead</c>.</summary>
    public string? DeadLetterKey { get; set; }

    /// <summary>Approximate bound on the dead-letter stream's length (<c>XADD MAXLEN ~</c>). Default 1,000,000.</summary>
    public long DeadLetterMaxLength { get; set; } = 1_000_000;

    /// <summary>Entries read per batch. Default 500.</summary>
    public int BatchSize { get; set; } = 500;

    /// <summary>Users whose events are recorded at the same time within a batch. Default 64.</summary>
    public int MaxConcurrentUsers { get; set; } = 64;

    /// <summary>Wait before reading again when the stream had nothing new. Default 100 ms.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// An entry delivered but not acknowledged for this long (its consumer died, or its user's state could not be
    /// saved) is claimed by a live consumer with <c>XAUTOCLAIM</c> and tried again. Default 30 s.
    /// </summary>
    public TimeSpan ClaimIdle { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Deliveries after which an entry that still could not be persisted goes to the dead-letter stream. Default 5.</summary>
    public int MaxDeliveries { get; set; } = 5;

    /// <summary>
    /// A consumer of the group with nothing pending and idle this long (a silo that is gone: pods get new names) is
    /// removed from the group. Default 1 hour.
    /// </summary>
    public TimeSpan ForgetIdleConsumersAfter { get; set; } = TimeSpan.FromHours(1);

    /// <summary>
    /// How often a silo trims the stream below the first entry some group has not acknowledged
    /// (<see cref="StreamTrimmer"/>). Default 1 minute.
    /// </summary>
    public TimeSpan TrimInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// How far ahead of this silo's clock an entry's timestamp may be before it is dead-lettered. Read from
    /// <c>Reco:Events:MaxFutureSkew</c> (shared with the gateway); default 1 day.
    /// </summary>
    public TimeSpan MaxFutureSkew { get; set; } = GrainInterfaces.Events.EventValidation.DefaultMaxFutureSkew;

    /// <summary>Fills in the keys left unset from the cluster's service id.</summary>
    public void ResolveKeys(string serviceId)
    {
        if (string.IsNullOrWhiteSpace(Key)) Key = $"{serviceId}:events:in";
        if (string.IsNullOrWhiteSpace(DeadLetterKey)) DeadLetterKey = $"{Key}:dead";
    }
}

public sealed class EventStreamOptionsValidator : IValidateOptions<EventStreamOptions>
{
    public ValidateOptionsResult Validate(string? name, EventStreamOptions o)
    {
        var failures = new List<string>();
        if (string.IsNullOrWhiteSpace(o.Group))
            failures.Add("Reco:Events:Stream:Group (env Reco__Events__Stream__Group) must not be empty.");
        if (o.Key is not null && string.Equals(o.Key, o.DeadLetterKey, StringComparison.Ordinal))
            failures.Add($"Reco:Events:Stream:DeadLetterKey (env Reco__Events__Stream__DeadLetterKey) must differ from Reco:Events:Stream:Key ('{o.Key}').");
        if (o.BatchSize is < 1 or > 100_000)
            failures.Add($"Reco:Events:Stream:BatchSize (env Reco__Events__Stream__BatchSize) must be in [1, 100000], not {o.BatchSize}.");
        if (o.MaxConcurrentUsers is < 1 or > 10_000)
            failures.Add($"Reco:Events:Stream:MaxConcurrentUsers (env Reco__Events__Stream__MaxConcurrentUsers) must be in [1, 10000], not {o.MaxConcurrentUsers}.");
        if (o.PollInterval < TimeSpan.FromMilliseconds(1) || o.PollInterval > TimeSpan.FromMinutes(1))
            failures.Add($"Reco:Events:Stream:PollInterval (env Reco__Events__Stream__PollInterval) must be between 1 ms and 1 min, not {o.PollInterval}.");
        if (o.ClaimIdle < TimeSpan.FromMilliseconds(100) || o.ClaimIdle > TimeSpan.FromDays(1))
            failures.Add($"Reco:Events:Stream:ClaimIdle (env Reco__Events__Stream__ClaimIdle) must be between 100 ms and 1 day, not {o.ClaimIdle}.");
        if (o.ForgetIdleConsumersAfter < TimeSpan.FromSeconds(1))
            failures.Add($"Reco:Events:Stream:ForgetIdleConsumersAfter (env Reco__Events__Stream__ForgetIdleConsumersAfter) must be at least 1 s, not {o.ForgetIdleConsumersAfter}.");
        if (o.MaxDeliveries is < 1 or > 1000)
            failures.Add($"Reco:Events:Stream:MaxDeliveries (env Reco__Events__Stream__MaxDeliveries) must be in [1, 1000], not {o.MaxDeliveries}.");
        if (o.TrimInterval < TimeSpan.FromSeconds(1) || o.TrimInterval > TimeSpan.FromDays(1))
            failures.Add($"Reco:Events:Stream:TrimInterval (env Reco__Events__Stream__TrimInterval) must be between 1 s and 1 day, not {o.TrimInterval}.");
        if (o.MaxFutureSkew < TimeSpan.Zero || o.MaxFutureSkew > TimeSpan.FromDays(3650))
            failures.Add($"Reco:Events:MaxFutureSkew (env Reco__Events__MaxFutureSkew) must be between 00:00:00 and 3650.00:00:00, not {o.MaxFutureSkew}.");
        if (o.DeadLetterMaxLength < 1)
            failures.Add($"Reco:Events:Stream:DeadLetterMaxLength (env Reco__Events__Stream__DeadLetterMaxLength) must be at least 1, not {o.DeadLetterMaxLength}.");
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
