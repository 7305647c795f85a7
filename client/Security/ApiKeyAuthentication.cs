using System.Security.Cryptography;
using System.Text;
using OrleansReco.Gateway.Hosting;
using OrleansReco.Gateway.Http;

namespace OrleansReco.Gateway.Security;

/// <summary>The scope an endpoint needs; endpoints without it (health, metrics, docs) need no key.</summary>
public sealed record RequiredScope(ApiScope Scope);

/// <summary>The configured keys, kept only as SHA-256 hashes; lookups compare every hash in constant time.</summary>
public sealed class ApiKeyStore
{
    private readonly (byte[] Hash, ApiKeyOptions Key, ApiScope Scope)[] _keys;

    public ApiKeyStore(GatewayOptions options)
    {
        _keys = options.ApiKeys.Select(k => (Hash(k.Key), k,
            k.Scopes.Aggregate(ApiScope.None, (all, s) => ApiScopes.TryParse(s, out var p) ? all | p : all).WithImplied())).ToArray();
        Keyless = new KeylessRateLimiter(options);
        RequireKeys = options.RequireKeys;
    }

    public bool RequireKeys { get; }

    /// <summary>The rate limit of requests without a usable key.</summary>
    public KeylessRateLimiter Keyless { get; }

    /// <summary>The key whose secret is <paramref name="presented"/>, or null. Every stored hash is compared, matched or not.</summary>
    public (ApiKeyOptions Key, ApiScope Scope)? Find(string presented)
    {
        var hash = Hash(presented);
        (ApiKeyOptions, ApiScope)? found = null;
        foreach (var (stored, key, scope) in _keys)
            if (CryptographicOperations.FixedTimeEquals(stored, hash) && found is null) found = (key, scope);
        return found;
    }

    /// <summary>The key named <paramref name="name"/> with its stored hash (which signs its dashboard sessions), or null.</summary>
    public (byte[] Hash, ApiKeyOptions Key, ApiScope Scope)? FindByName(string name)
    {
        foreach (var entry in _keys)
            if (string.Equals(entry.Key.Name, name, StringComparison.Ordinal)) return entry;
        return null;
    }

    private static byte[] Hash(string key) => SHA256.HashData(Encoding.UTF8.GetBytes(key));
}

/// <summary>
/// Checks header <c>X-Api-Key</c> against the endpoint's <see cref="RequiredScope"/>: 401 without a known key (429 once
/// the caller's address is over <see cref="KeylessRateLimiter"/>), 403 when the key lacks the scope. Puts the key's name in <see cref="KeyNameItem"/> for the rate limiter and the logs.
/// </summary>
public sealed partial class ApiKeyMiddleware(RequestDelegate next, ApiKeyStore keys, DashboardSessions sessions, ILogger<ApiKeyMiddleware> logger)
{
    public const string Header = "X-Api-Key";
    public const string KeyNameItem = "reco.api_key";
    public const string KeyScopeItem = "reco.api_scope";

    /// <summary>Whether the request's key holds <paramref name="scope"/> (with <c>RequireKeys=false</c> a request without a key holds every scope).</summary>
    public static bool Grants(HttpContext context, ApiScope scope) =>
        context.Items[KeyScopeItem] is ApiScope granted && (granted & scope) == scope;

    public async Task InvokeAsync(HttpContext context)
    {
        var required = context.GetEndpoint()?.Metadata.GetMetadata<RequiredScope>();
        if (required is null)
        {
            await next(context);
            return;
        }
        string? presented = context.Request.Headers[Header];
        if (string.IsNullOrEmpty(presented) && context.GetEndpoint()?.Metadata.GetMetadata<AcceptsDashboardSession>() is not null
            && sessions.Validate(context.Request.Cookies[DashboardSessions.CookieName]) is { } session)
        {
            context.Items[KeyNameItem] = session.KeyName;
            if ((session.Scope & required.Scope) == required.Scope)
            {
                await next(context);
                return;
            }
        }
        if (string.IsNullOrEmpty(presented))
        {
            if (!keys.RequireKeys)
            {
                // Limited as one key named "anonymous" (Reco:Gateway:PermitsPerSecond).
                context.Items[KeyNameItem] = "anonymous";
                context.Items[KeyScopeItem] = ApiScope.Admin.WithImplied();
                await next(context);
                return;
            }
            if (!await keys.Keyless.TryAcquireAsync(context)) return;
            await Problems.Write(context, StatusCodes.Status401Unauthorized, "API key required", $"Send a key in header {Header}.");
            return;
        }
        if (keys.Find(presented) is not { } match)
        {
            if (!await keys.Keyless.TryAcquireAsync(context)) return;
            LogUnknownKey(context.Request.Path);
            await Problems.Write(context, StatusCodes.Status401Unauthorized, "Unknown API key", $"The key in header {Header} is not configured.");
            return;
        }
        context.Items[KeyNameItem] = match.Key.Name;
        context.Items[KeyScopeItem] = match.Scope;
        if ((match.Scope & required.Scope) != required.Scope)
        {
            LogScopeTooLow(match.Key.Name, match.Scope.Name(), required.Scope.Name(), context.Request.Path);
            await Problems.Write(context, StatusCodes.Status403Forbidden, "Scope too low",
                $"Key '{match.Key.Name}' has scopes {match.Scope.Name()}; this call needs {required.Scope.Name()}.");
            return;
        }
        await next(context);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Unknown API key presented for {Path}")]
    private partial void LogUnknownKey(string path);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Key {KeyName} (scope {Scope}) refused for {Path}, which needs {Required}")]
    private partial void LogScopeTooLow(string keyName, string scope, string required, string path);
}

public static class RequiredScopeExtensions
{
    /// <summary>The endpoints need a key with at least <paramref name="scope"/>.</summary>
    public static TBuilder RequireScope<TBuilder>(this TBuilder builder, ApiScope scope) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new RequiredScope(scope));
}
