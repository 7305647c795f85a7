using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace OrleansReco.LocalCluster;

/// <summary>PEM files of one member certificate and the CA it is issued by (as a Kubernetes TLS Secret mounts them).</summary>
public sealed record ClusterCertificateFiles(string CertificatePath, string KeyPath, string CaPath)
{
    /// <summary>
    /// The <c>Reco:Cluster:Tls</c> settings (as environment variables) that make a silo or client use these files: the
    /// folder, as the Kubernetes manifests mount Secret <c>cluster-tls</c>.
    /// </summary>
    public Dictionary<string, string> Environment() => new()
    {
        ["Reco__Cluster__Tls__Enabled"] = "true",
        ["Reco__Cluster__Tls__Directory"] = Path.GetDirectoryName(CertificatePath)!,
    };

    /// <summary>
    /// A throwaway self-signed CA and one certificate issued by it (ECDSA P-256, valid a day, usable as TLS server and
    /// client), written to <paramref name="directory"/> as <c>ca.crt</c>, <c>tls.crt</c> and <c>tls.key</c>.
    /// </summary>
    public static ClusterCertificateFiles Create(string directory, string authorityName = "OrleansReco test cluster CA")
    {
        Directory.CreateDirectory(directory);
        using var authorityKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var authorityRequest = new CertificateRequest($"CN={authorityName}", authorityKey, HashAlgorithmName.SHA256);
        authorityRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        authorityRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        authorityRequest.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(authorityRequest.PublicKey, false));
        var now = DateTimeOffset.UtcNow;
        using var authority = authorityRequest.CreateSelfSigned(now.AddHours(-1), now.AddDays(1));

        using var memberKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var memberRequest = new CertificateRequest("CN=orleans-reco-member", memberKey, HashAlgorithmName.SHA256);
        memberRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        memberRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        memberRequest.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(
            [new Oid("1.3.6.1.5.5.7.3.1"), new Oid("1.3.6.1.5.5.7.3.2")], false)); // server and client authentication
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName("localhost");
        names.AddIpAddress(System.Net.IPAddress.Loopback);
        memberRequest.CertificateExtensions.Add(names.Build());
        using var member = memberRequest.Create(authority, now.AddHours(-1), now.AddDays(1), RandomNumberGenerator.GetBytes(16));

        var files = new ClusterCertificateFiles(Path.Combine(directory, "tls.crt"), Path.Combine(directory, "tls.key"), Path.Combine(directory, "ca.crt"));
        File.WriteAllText(files.CaPath, authority.ExportCertificatePem());
        File.WriteAllText(files.CertificatePath, member.ExportCertificatePem());
        File.WriteAllText(files.KeyPath, memberKey.ExportPkcs8PrivateKeyPem());
        return files;
    }
}
