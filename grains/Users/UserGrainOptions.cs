using Microsoft.Extensions.Options;

namespace OrleansReco.Grains.Users;

/// <summary>Bounds of a user grain's state. Bound from section <c>Reco:Users</c>.</summary>
public sealed class UserGrainOptions
{
    public const string Section = "Reco:Users";

    /// <summary>Most recent events kept (the ring); the model reads its own history length from the newest of them. Default 200.</summary>
    public int HistoryLength { get; set; } = 200;

    /// <summary>Most recent event ids remembered to drop repeats. Default 1000.</summary>
    public int EventIdWindow { get; set; } = 1000;

    /// <summary>
    /// Events appended to a user's store between two snapshots of the whole user (also written on a profile change and
    /// on deactivation). Higher: fewer bytes written per event, more entries replayed on activation. Default 100.
    /// </summary>
    public int SnapshotEvery { get; set; } = 100;
}

public sealed class UserGrainOptionsValidator : IValidateOptions<UserGrainOptions>
{
    public ValidateOptionsResult Validate(string? name, UserGrainOptions o)
    {
        var failures = new List<string>();
        if (o.HistoryLength is < 1 or > 100_000)
            failures.Add($"Reco:Users:HistoryLength (env Reco__Users__HistoryLength) must be in [1, 100000], not {o.HistoryLength}.");
        if (o.EventIdWindow is < 1 or > 1_000_000)
            failures.Add($"Reco:Users:EventIdWindow (env Reco__Users__EventIdWindow) must be in [1, 1000000], not {o.EventIdWindow}.");
        if (o.SnapshotEvery is < 1 or > 100_000)
            failures.Add($"Reco:Users:SnapshotEvery (env Reco__Users__SnapshotEvery) must be in [1, 100000], not {o.SnapshotEvery}.");
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
