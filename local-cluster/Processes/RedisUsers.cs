using System.Security.Cryptography;

namespace OrleansReco.LocalCluster;

/// <summary>
/// The Redis ACL users the Kubernetes manifests deploy (<see cref="RulesFile"/>: a silo user and the narrower gateway
/// user), with fresh passwords, plus an administrator for the harness's own commands (INFO, CONFIG). The rules are
/// read from the repository, so the cluster runs under exactly the permissions that are deployed.
/// </summary>
public sealed class RedisUsers
{
    /// <summary>The ACL file template of the bundled Redis (its passwords are placeholders filled at pod start).</summary>
    public const string RulesFile = "k8s/base/redis-users.acl";

    public const string SiloUser = "reco-silo";
    public const string GatewayUser = "reco-gateway";
    public const string AdminUser = "reco-harness";

    /// <summary>The Orleans ServiceId the rules' key patterns name (<c>Reco:Cluster:ServiceId</c> in the manifests).</summary>
    public const string ServiceId = "orleans-reco";

    public string SiloPassword { get; } = NewPassword();
    public string GatewayPassword { get; } = NewPassword();
    public string AdminPassword { get; } = NewPassword();

    /// <summary>Writes <c>users.acl</c> for <c>redis-server --aclfile</c>: the deployed rules with this run's passwords, and the administrator.</summary>
    public string WriteAclFile(string directory)
    {
        string rules = File.ReadAllText(Path.Combine(BuildOutput.Root.FullName, RulesFile));
        foreach (var placeholder in new[] { "REDIS_SILO_PASSWORD", "REDIS_GATEWAY_PASSWORD" })
            if (!rules.Contains(">" + placeholder, StringComparison.Ordinal))
                throw new InvalidOperationException($"{RulesFile} has no '>{placeholder}' placeholder.");
        var lines = rules.Replace(">REDIS_SILO_PASSWORD", ">" + SiloPassword, StringComparison.Ordinal)
            .Replace(">REDIS_GATEWAY_PASSWORD", ">" + GatewayPassword, StringComparison.Ordinal)
            .Split('\n')
            .Where(l => l.StartsWith("user ", StringComparison.Ordinal)) // an ACL file holds user lines only
            .Append($"user {AdminUser} on >{AdminPassword} ~* &* +@all");
        Directory.CreateDirectory(directory);
        string path = Path.Combine(directory, "users.acl");
        File.WriteAllLines(path, lines);
        return path;
    }

    private static string NewPassword() => Convert.ToHexString(RandomNumberGenerator.GetBytes(24)).ToLowerInvariant();
}
