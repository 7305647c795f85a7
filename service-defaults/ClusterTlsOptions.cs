using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace OrleansReco.ServiceDefaults;

/// <summary>
/// TLS of the Orleans connections (silo to silo, gateway client to silo), bound from <c>Reco:Cluster:Tls</c>. Off by
/// default. When on, every connection is mutual TLS: each side presents the certificate of
/// <see cref="CertificatePath"/> and accepts the other only if it chains to a certificate authority of
/// <see cref="CaPath"/> (normally the cluster's own self-signed CA). Host names are not checked (silos are
/// addressed by IP): whoever holds a certificate issued by that CA is a member, nobody else can connect.
/// </summary>
public sealed class ClusterTlsOptions
{
    public const string Section = ClusterConnectionOptions.Section + ":Tls";

    public bool Enabled { get; set; }

    /// <summary>
    /// A folder laid out as a mounted Kubernetes TLS Secret (<c>tls.crt</c>, <c>tls.key</c>, <c>ca.crt</c>): the
    /// default of <see cref="CertificatePath"/>, <see cref="KeyPath"/> and <see cref="CaPath"/>.
    /// </summary>
    public string? Directory { get; set; }

    /// <summary>This process's certificate: PEM (certificate, with the key in it or in <see cref="KeyPath"/>) or PKCS#12 (<c>.pfx</c>/<c>.p12</c>).</summary>
    public string? CertificatePath { get; set; }

    /// <summary>PEM private key of <see cref="CertificatePath"/> when the certificate file does not hold it (e.g. <c>tls.key</c> of a Kubernetes TLS Secret).</summary>
    public string? KeyPath { get; set; }

    /// <summary>Password of a PKCS#12 file or of an encrypted PEM key; empty for none.</summary>
    public string? CertificatePassword { get; set; }

    /// <summary>PEM file with the certificate authority (or authorities) a remote certificate must chain to (e.g. <c>ca.crt</c>).</summary>
    public string? CaPath { get; set; }

    /// <summary>Every problem of the settings, each naming its key; loads the files to find unreadable ones.</summary>
    public List<string> Failures()
    {
        var failures = new List<string>();
        if (!Enabled) return failures;
        if (!string.IsNullOrWhiteSpace(Directory) && !System.IO.Directory.Exists(Directory))
        {
            failures.Add($"{Key(nameof(Directory))} names '{Directory}', which is not a folder (env {Env(nameof(Directory))}).");
            return failures;
        }
        RequireFile(failures, Certificate, nameof(CertificatePath));
        RequireFile(failures, Authority, nameof(CaPath));
        if (!string.IsNullOrWhiteSpace(PrivateKey)) RequireFile(failures, PrivateKey, nameof(KeyPath));
        if (failures.Count > 0) return failures;

        X509Certificate2 certificate;
        try
        {
            certificate = LoadCertificate();
        }
        catch (CryptographicException e)
        {
            failures.Add($"{Key(nameof(CertificatePath))} '{Certificate}' (with {Key(nameof(KeyPath))} and {Key(nameof(CertificatePassword))}) could not be read as a certificate with its private key: {e.Message}");
            return failures;
        }
        using (certificate)
        {
            if (!certificate.HasPrivateKey)
                failures.Add($"{Key(nameof(CertificatePath))} '{Certificate}' holds no private key; put it in the file or name it in {Key(nameof(KeyPath))}.");
            X509Certificate2Collection authorities;
            try
            {
                authorities = LoadAuthorities();
            }
            catch (CryptographicException e)
            {
                failures.Add($"{Key(nameof(CaPath))} '{Authority}' could not be read as PEM certificates: {e.Message}");
                return failures;
            }
            if (authorities.Count == 0)
                failures.Add($"{Key(nameof(CaPath))} '{Authority}' holds no PEM certificate.");
            else if (!ClusterCertificates.ChainsTo(certificate, authorities, out var status))
                failures.Add($"{Key(nameof(CertificatePath))} '{Certificate}' ({certificate.Subject}) does not chain to a certificate authority of {Key(nameof(CaPath))} '{Authority}' or is not valid now: {status}.");
        }
        return failures;
    }

    /// <summary>Loads the certificate and the authorities (call after <see cref="Failures"/> found none).</summary>
    public ClusterCertificates Load() => new(LoadCertificate(), LoadAuthorities());

    private string? Certificate => FromDirectory(CertificatePath, "tls.crt");

    /// <summary>The key file: <see cref="KeyPath"/>, else <c>tls.key</c> of <see cref="Directory"/> when it is there.</summary>
    private string? PrivateKey => !string.IsNullOrWhiteSpace(KeyPath) || string.IsNullOrWhiteSpace(Directory) || !File.Exists(Path.Combine(Directory, "tls.key"))
        ? KeyPath : Path.Combine(Directory, "tls.key");

    private string? Authority => FromDirectory(CaPath, "ca.crt");

    private string? FromDirectory(string? path, string file) =>
        string.IsNullOrWhiteSpace(path) && !string.IsNullOrWhiteSpace(Directory) ? Path.Combine(Directory, file) : path;

    private X509Certificate2 LoadCertificate()
    {
        string path = Certificate!;
        string? password = string.IsNullOrEmpty(CertificatePassword) ? null : CertificatePassword;
        if (!File.ReadAllText(path).Contains("-----BEGIN", StringComparison.Ordinal))
            return X509CertificateLoader.LoadPkcs12FromFile(path, password);
        string? key = string.IsNullOrWhiteSpace(PrivateKey) ? null : PrivateKey;
        return password is null ? X509Certificate2.CreateFromPemFile(path, key) : X509Certificate2.CreateFromEncryptedPemFile(path, password, key);
    }

    private X509Certificate2Collection LoadAuthorities()
    {
        var authorities = new X509Certificate2Collection();
        authorities.ImportFromPemFile(Authority!);
        return authorities;
    }

    private static void RequireFile(List<string> failures, string? path, string property)
    {
        if (string.IsNullOrWhiteSpace(path))
            failures.Add($"{Key(property)} (env {Env(property)}) or {Key(nameof(Directory))} is required when {Key(nameof(Enabled))} is true.");
        else if (!File.Exists(path))
            failures.Add($"{Key(property)} names '{path}', which does not exist (env {Env(property)}; set it or {Key(nameof(Directory))}).");
    }

    private static string Key(string property) => $"{Section}:{property}";

    private static string Env(string property) => Key(property).Replace(":", "__", StringComparison.Ordinal);
}

/// <summary>The loaded certificate of this process and the authorities a remote certificate must chain to.</summary>
public sealed class ClusterCertificates(X509Certificate2 certificate, X509Certificate2Collection authorities)
{
    public X509Certificate2 Certificate { get; } = certificate;

    public X509Certificate2Collection Authorities { get; } = authorities;

    /// <summary>
    /// Remote certificate check for TLS handshakes (the shape of <c>SslStream</c>'s and Orleans' validation callbacks):
    /// true when <paramref name="remote"/> chains to one of <see cref="Authorities"/> and is valid now. The platform's
    /// own verdict (<paramref name="errors"/>: unknown root, name mismatch) is replaced by this one.
    /// </summary>
    public bool IsTrusted(X509Certificate2 remote, X509Chain? chain, SslPolicyErrors errors) => ChainsTo(remote, Authorities, out _, chain);

    internal static bool ChainsTo(X509Certificate2 certificate, X509Certificate2Collection authorities, out string status, X509Chain? presented = null)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(authorities);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        if (presented is not null)
            foreach (var element in presented.ChainElements)
                chain.ChainPolicy.ExtraStore.Add(element.Certificate);
        bool trusted = chain.Build(certificate);
        status = trusted ? "trusted" : string.Join("; ", chain.ChainStatus.Select(s => s.StatusInformation.Trim()).Distinct());
        return trusted;
    }
}
