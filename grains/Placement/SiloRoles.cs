namespace OrleansReco.Grains.Placement;

/// <summary>Silo roles, published as silo metadata <see cref="MetadataKey"/>.</summary>
public static class SiloRoles
{
    public const string MetadataKey = "role";
    public const string Serve = "serve";
    public const string Train = "train";
    public const string All = "all";

    public static readonly IReadOnlyList<string> Known = [Serve, Train, All];

    /// <summary>True for silos that host serving grains (<c>serve</c>, <c>all</c>, or no role published).</summary>
    public static bool Serves(string? role) =>
        role is null || string.Equals(role, Serve, StringComparison.OrdinalIgnoreCase) || string.Equals(role, All, StringComparison.OrdinalIgnoreCase);

    /// <summary>True for silos that may run training (<c>train</c>, <c>all</c>).</summary>
    public static bool Trains(string? role) =>
        string.Equals(role, Train, StringComparison.OrdinalIgnoreCase) || string.Equals(role, All, StringComparison.OrdinalIgnoreCase);
}
