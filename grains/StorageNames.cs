namespace OrleansReco.Grains;

/// <summary>Grain storage provider names, declared once; the silo registers a provider under each.</summary>
public static class StorageNames
{
    /// <summary>User grains: profile, recent events, event-id window, cached embedding.</summary>
    public const string Users = "users";

    /// <summary>Item shard grains: items' features, availability and metadata.</summary>
    public const string Shards = "shards";

    /// <summary>The model registry: publication history and the bundles' chunks.</summary>
    public const string Models = "models";

    /// <summary>Every name above.</summary>
    public static readonly IReadOnlyList<string> All = [Users, Shards, Models];
}
