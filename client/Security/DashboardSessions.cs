using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using OrleansReco.Gateway.Hosting;

namespace OrleansReco.Gateway.Security;

/// <summary>Marks endpoints (the Orleans Dashboard's) that accept a dashboard session cookie in place of header <c>X-Api-Key</c>.</summary>
public sealed record AcceptsDashboardSession;

/// <summary>
/// Sessions of the Orleans Dashboard at <c>/dashboard</c>. Its page fetches <c>/dashboard/*</c> by script and a browser
/// cannot add <c>X-Api-Key</c> to a page load, so <c>POST /v1/dashboard/session</c> (admin key in the header) sets
/// cookie <see cref="CookieName"/>: HttpOnly, SameSite=Strict, path <c>/dashboard</c>, <see cref="Lifetime"/>. Its
/// value is the key's name, the expiry and an HMAC-SHA256 of both keyed by the key's stored hash, so every gateway
/// replica checks it without shared state, and removing or changing the key ends its sessions. The cookie is accepted
/// only by endpoints marked <see cref="AcceptsDashboardSession"/>.
/// </summary>
public sealed class DashboardSessions(ApiKeyStore keys, TimeProvider time)
{
    public const string CookieName = "reco_dashboard";
    public const string CookiePath = "/dashboard";
    public static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(15);

    /// <summary>A cookie value for key <paramref name="keyName"/>, valid for <see cref="Lifetime"/>.</summary>
    public string Issue(string keyName)
    {
        var stored = keys.FindByName(keyName) ?? throw new ArgumentException($"No key named '{keyName}'.", nameof(keyName));
        string expires = (time.GetUtcNow() + Lifetime).ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        string name = Base64Url(Encoding.UTF8.GetBytes(keyName));
        return $"{name}.{expires}.{Base64Url(Sign(stored.Hash, name, expires))}";
    }

    /// <summary>The key a cookie value was issued for, when it is well formed, unexpired and signed by a configured key.</summary>
    public (string KeyName, ApiScope Scope)? Validate(string? cookie)
    {
        var parts = cookie?.Split('.');
        if (parts is not { Length: 3 }) return null;
        if (!long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out long expires)
            || DateTimeOffset.FromUnixTimeSeconds(Math.Min(expires, DateTimeOffset.MaxValue.ToUnixTimeSeconds())) <= time.GetUtcNow())
            return null;
        string keyName;
        byte[] signature;
        try
        {
            keyName = Encoding.UTF8.GetString(Convert.FromBase64String(FromBase64Url(parts[0])));
            signature = Convert.FromBase64String(FromBase64Url(parts[2]));
        }
        catch (FormatException)
        {
            return null;
        }
        if (keys.FindByName(keyName) is not { } stored) return null;
        return CryptographicOperations.FixedTimeEquals(signature, Sign(stored.Hash, parts[0], parts[1]))
            ? (stored.Key.Name, stored.Scope)
            : null;
    }

    /// <summary>Cookie options: HttpOnly, SameSite=Strict, the dashboard's path, <see cref="Lifetime"/>; Secure over HTTPS.</summary>
    public CookieOptions CookieOptions(HttpRequest request) => new()
    {
        HttpOnly = true,
        SameSite = SameSiteMode.Strict,
        Path = CookiePath,
        Secure = request.IsHttps,
        MaxAge = Lifetime,
    };

    private static byte[] Sign(byte[] keyHash, string name, string expires) =>
        HMACSHA256.HashData(keyHash, Encoding.UTF8.GetBytes($"reco.dashboard|{name}|{expires}"));

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static string FromBase64Url(string text)
    {
        string padded = text.Replace('-', '+').Replace('_', '/');
        return padded.PadRight(padded.Length + (4 - padded.Length % 4) % 4, '=');
    }
}
