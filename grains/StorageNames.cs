namespace OrleansReco.Grains;

/// <summary>Grain storage provider names, declared once; the silo registers a provider under each it uses.</summary>
public static class StorageNames
{
    /// <summary>The previous layout of user grains (one record per user); read only to move users to the user store.</summary>
    public const string Users = "users";

    /// <summary>The previous layout of item shards (one record per shard); read only to move shards to the shard store.</summary>
    public const string Shards = "shards";

    /// <summary>The model registry: publication history and the bundles' chunks.</summary>
    public const string Models = "models";

    /// <summary>Names grains store state under.</summary>
    public static readonly IReadOnlyList<string> Current = [Models];

    /// <summary>Names of the previous layout, registered only where stored state can outlive a process (Redis).</summary>
    public static readonly IReadOnlyList<string> Previous = [Users, Shards];
}
