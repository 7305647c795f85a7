using Microsoft.Extensions.Options;

namespace OrleansReco.Silo.Events;

/// <summary>
/// Where and for how long the Redis event archive keeps events. Bound from section <c>Reco:Events:Archive</c>; the
/// keys default to names under the cluster's service id, so clusters sharing a Redis server stay apart.
/// </summary>
public sealed class EventArchiveOptions
{
    public const string Section = "Reco:Events:Archive";

    /// <summary>The Redis Stream holding one entry per event. Default <c>{ServiceId}:events:archive</c>.</summary>
    public string? Key { get; set; }

    /// <summary>The Redis hash of user id → profile features as JSON. Default <c>{ServiceId}:profiles</c>.</summary>
    public string? ProfilesKey { get; set; }

    /// <summary>
    /// Entries that arrived longer ago than this are trimmed (<c>XTRIM MINID ~</c>, by arrival time, at most once a
    /// minute per silo). Default 30 days.
    /// </summary>
    public TimeSpan Retention { get; set; } = TimeSpan.FromDays(30);

    /// <summary>Upper bound on the entries kept, applied approximately on every append (<c>XADD MAXLEN ~</c>). Default 10,000,000.</summary>
    public long MaxLength { get; set; } = 10_000_000;

    /// <summary>Fills in the keys left unset from the cluster's service id.</summary>
    public void ResolveKeys(string serviceId)
    {
        if (string.IsNullOrWhiteSpace(Key)) Key = $"{serviceId}:events:archive";
        if (string.IsNullOrWhiteSpace(ProfilesKey)) ProfilesKey = $"{serviceId}:profiles";
    }
}

public sealed class EventArchiveOptionsValidator : IValidateOptions<EventArchiveOptions>
{
    public ValidateOptionsResult Validate(string? name, EventArchiveOptions o)
    {
        var failures = new List<string>();
        if (o.Retention < TimeSpan.FromSeconds(1) || o.Retention > TimeSpan.FromDays(3650))
            failures.Add($"Reco:Events:Archive:Retention (env Reco__Events__Archive__Retention) must be between 1 s and 3650 days, not {o.Retention}.");
        if (o.MaxLength < 1)
            failures.Add($"Reco:Events:Archive:MaxLength (env Reco__Events__Archive__MaxLength) must be at least 1, not {o.MaxLength}.");
        if (string.Equals(o.Key, o.ProfilesKey, StringComparison.Ordinal) && o.Key is not null)
            failures.Add($"Reco:Events:Archive:Key and Reco:Events:Archive:ProfilesKey must differ (both are '{o.Key}').");
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
