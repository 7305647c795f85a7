using Microsoft.Extensions.Options;

namespace OrleansReco.Grains.Model;

/// <summary>Which model bundle a silo loads at start. Bound from section <c>Reco:Model</c>.</summary>
public sealed class ModelOptions
{
    public const string Section = "Reco:Model";

    /// <summary>Path of the model bundle (<c>reco train</c> writes one). Empty: no model, serving calls fail until one is published.</summary>
    public string? Path { get; set; }

    /// <summary>Size of the chunks the registry stores a published bundle in (default 1 MiB; 4 KiB to 64 MiB).</summary>
    public int ChunkBytes { get; set; } = 1 << 20;

    /// <summary>
    /// How many stored versions the registry keeps (default 10, at least 1): after a publication, the versions
    /// published or rolled back to least recently beyond this number lose their chunks and history entries. The
    /// current version is the most recent one, so it is always kept.
    /// </summary>
    public int KeepVersions { get; set; } = 10;

    /// <summary>How often a silo checks in with the registry (and catches up on a publication it missed). Default 30 s.</summary>
    public TimeSpan SyncInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Fault drills only: a pause of the registry after it has recorded a publication (or rollback) and before it
    /// tells the silos, so that a drill can kill its silo in between. It logs a warning naming this key when it
    /// pauses. Zero (default) in production.
    /// </summary>
    public TimeSpan PublishNotifyDelay { get; set; } = TimeSpan.Zero;
}

/// <summary>Rejects a bundle path that does not exist, naming the key that fixes it.</summary>
public sealed class ModelOptionsValidator : IValidateOptions<ModelOptions>
{
    public ValidateOptionsResult Validate(string? name, ModelOptions options)
    {
        var failures = new List<string>();
        if (!string.IsNullOrWhiteSpace(options.Path) && !File.Exists(options.Path))
            failures.Add($"Reco:Model:Path (env Reco__Model__Path) names '{options.Path}', which does not exist.");
        if (options.ChunkBytes is < 4096 or > 64 << 20)
            failures.Add($"Reco:Model:ChunkBytes (env Reco__Model__ChunkBytes) is {options.ChunkBytes}; use 4096 to {64 << 20}.");
        if (options.KeepVersions is < 1 or > 10_000)
            failures.Add($"Reco:Model:KeepVersions (env Reco__Model__KeepVersions) is {options.KeepVersions}; use 1 to 10000.");
        if (options.SyncInterval < TimeSpan.FromSeconds(1) || options.SyncInterval > TimeSpan.FromHours(1))
            failures.Add($"Reco:Model:SyncInterval (env Reco__Model__SyncInterval) is {options.SyncInterval}; use 00:00:01 to 01:00:00.");
        if (options.PublishNotifyDelay < TimeSpan.Zero || options.PublishNotifyDelay > TimeSpan.FromMinutes(5))
            failures.Add($"Reco:Model:PublishNotifyDelay (env Reco__Model__PublishNotifyDelay) is {options.PublishNotifyDelay}; use 0 to 5 minutes.");
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
