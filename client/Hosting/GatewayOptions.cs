using Microsoft.Extensions.Options;

namespace OrleansReco.Gateway.Hosting;

/// <summary>How the gateway runs and what it accepts. Bound from section <c>Reco:Gateway</c>.</summary>
public sealed class GatewayOptions
{
    public const string Section = "Reco:Gateway";

    /// <summary>
    /// Which process serves the API; the project that is run decides: <c>Client</c> (the gateway alone, <c>client/</c>:
    /// an Orleans client to a cluster) or <c>Embedded</c> (the single-process host, <c>embedded/</c>: a silo in the same
    /// process). Empty (the default) accepts either; a value naming the other one stops the start with a message
    /// saying which project to run.
    /// </summary>
    public string Mode { get; set; } = "";

    /// <summary>
    /// Port of the management listener, which serves <c>/metrics</c> (Prometheus) and nothing else; the API port does
    /// not serve <c>/metrics</c>. 0 (the default) opens no such port, and then no <c>/metrics</c> is served at all.
    /// </summary>
    public int ManagementPort { get; set; }

    /// <summary>Host the management port listens on: <c>*</c> (every interface, as a pod needs) or a name or address such as <c>127.0.0.1</c>.</summary>
    public string ManagementHost { get; set; } = "*";

    /// <summary>Most events in one <c>POST /v1/events</c>, items in one <c>POST /v1/items</c>, item ids in one <c>POST /v1/scores</c>.</summary>
    public int MaxBatch { get; set; } = 10_000;

    /// <summary>Largest <c>k</c> accepted.</summary>
    public int MaxK { get; set; } = 1000;

    /// <summary>Largest request body in bytes (413 beyond it). Default 16 MiB.</summary>
    public long MaxRequestBytes { get; set; } = 16L << 20;

    /// <summary>How many user grains one event batch calls at once.</summary>
    public int EventConcurrency { get; set; } = 64;

    /// <summary>When true (default) every <c>/v1</c> call needs a key, and the gateway refuses to start without one.</summary>
    public bool RequireKeys { get; set; } = true;

    /// <summary>API keys (header <c>X-Api-Key</c>).</summary>
    public List<ApiKeyOptions> ApiKeys { get; set; } = [];

    /// <summary>Default per-key token bucket: tokens added per second.</summary>
    public int PermitsPerSecond { get; set; } = 1000;

    /// <summary>Default per-key token bucket size (0: same as <see cref="PermitsPerSecond"/>).</summary>
    public int Burst { get; set; }

    /// <summary>
    /// Token bucket per remote address for <c>/v1</c> requests without a key or with an unknown one (each answered
    /// 401 while tokens last, then 429): tokens added per second.
    /// </summary>
    public int KeylessPermitsPerSecond { get; set; } = 5;

    /// <summary>Size of the per-address bucket of <see cref="KeylessPermitsPerSecond"/>.</summary>
    public int KeylessBurst { get; set; } = 20;

    /// <summary>
    /// The user grains' window of remembered event ids (read from <c>Reco:Users:EventIdWindow</c>, default 1000): a batch
    /// with more events for one user is refused, since a retry of it could record the oldest of them twice.
    /// </summary>
    public int EventIdWindow { get; set; } = 1000;

    /// <summary>How far ahead of the gateway's clock an event timestamp may be (read from <c>Reco:Events:MaxFutureSkew</c>, default 1 day).</summary>
    public TimeSpan MaxFutureSkew { get; set; } = GrainInterfaces.Events.EventValidation.DefaultMaxFutureSkew;

    public bool IsEmbedded => string.Equals(Mode, "Embedded", StringComparison.OrdinalIgnoreCase);
    public bool IsClient => string.Equals(Mode, "Client", StringComparison.OrdinalIgnoreCase);
}

/// <summary>One API key: a name for logs and metrics (never the key itself), the secret, and its scopes.</summary>
public sealed class ApiKeyOptions
{
    public string Name { get; set; } = "";
    public string Key { get; set; } = "";

    /// <summary><c>read</c>, <c>write</c>, <c>catalogue</c>, <c>users:read</c>, <c>admin</c> (see <see cref="ApiScope"/> for what each implies).</summary>
    public List<string> Scopes { get; set; } = [];

    /// <summary>Overrides <see cref="GatewayOptions.PermitsPerSecond"/> for this key (0: the default).</summary>
    public int PermitsPerSecond { get; set; }

    /// <summary>Overrides <see cref="GatewayOptions.Burst"/> for this key (0: the default).</summary>
    public int Burst { get; set; }

    public override string ToString() => $"{Name} (key redacted)";
}

/// <summary>Rejects a gateway configuration that cannot work, naming the key and its environment variable.</summary>
public sealed class GatewayOptionsValidator : IValidateOptions<GatewayOptions>
{
    /// <summary>Key of the extra admin key from the environment.</summary>
    public const string EnvKeyVariable = "RECO_API_KEY";

    public ValidateOptionsResult Validate(string? name, GatewayOptions o)
    {
        var failures = new List<string>();
        if (!string.IsNullOrWhiteSpace(o.Mode) && !o.IsEmbedded && !o.IsClient)
            failures.Add($"Reco:Gateway:Mode (env Reco__Gateway__Mode) must be Client, Embedded or empty, not '{o.Mode}'.");
        if (o.ManagementPort is < 0 or > 65535)
            failures.Add($"Reco:Gateway:ManagementPort (env Reco__Gateway__ManagementPort) must be 0 (off) or a TCP port, not {o.ManagementPort}.");
        if (string.IsNullOrWhiteSpace(o.ManagementHost))
            failures.Add("Reco:Gateway:ManagementHost (env Reco__Gateway__ManagementHost) must not be empty; use * for every interface.");
        if (o.MaxBatch is < 1 or > 1_000_000)
            failures.Add($"Reco:Gateway:MaxBatch (env Reco__Gateway__MaxBatch) must be 1 to 1000000, not {o.MaxBatch}.");
        if (o.MaxK is < 1 or > 100_000)
            failures.Add($"Reco:Gateway:MaxK (env Reco__Gateway__MaxK) must be 1 to 100000, not {o.MaxK}.");
        if (o.MaxRequestBytes < 1024)
            failures.Add($"Reco:Gateway:MaxRequestBytes (env Reco__Gateway__MaxRequestBytes) must be at least 1024, not {o.MaxRequestBytes}.");
        if (o.EventConcurrency is < 1 or > 4096)
            failures.Add($"Reco:Gateway:EventConcurrency (env Reco__Gateway__EventConcurrency) must be 1 to 4096, not {o.EventConcurrency}.");
        if (o.PermitsPerSecond < 1)
            failures.Add($"Reco:Gateway:PermitsPerSecond (env Reco__Gateway__PermitsPerSecond) must be positive, not {o.PermitsPerSecond}.");
        if (o.Burst < 0)
            failures.Add($"Reco:Gateway:Burst (env Reco__Gateway__Burst) must be 0 (same as PermitsPerSecond) or positive, not {o.Burst}.");
        if (o.KeylessPermitsPerSecond < 1 || o.KeylessBurst < 1)
            failures.Add($"Reco:Gateway:KeylessPermitsPerSecond and KeylessBurst (env Reco__Gateway__KeylessPermitsPerSecond, Reco__Gateway__KeylessBurst) must be positive, not {o.KeylessPermitsPerSecond} and {o.KeylessBurst}.");
        if (o.EventIdWindow is < 1 or > 1_000_000)
            failures.Add($"Reco:Users:EventIdWindow (env Reco__Users__EventIdWindow) must be in [1, 1000000], not {o.EventIdWindow}.");
        if (o.MaxFutureSkew < TimeSpan.Zero || o.MaxFutureSkew > TimeSpan.FromDays(3650))
            failures.Add($"Reco:Events:MaxFutureSkew (env Reco__Events__MaxFutureSkew) must be between 00:00:00 and 3650.00:00:00, not {o.MaxFutureSkew}.");
        var names = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < o.ApiKeys.Count; i++)
        {
            var k = o.ApiKeys[i];
            string at = $"Reco:Gateway:ApiKeys:{i}";
            string env = $"Reco__Gateway__ApiKeys__{i}";
            if (string.IsNullOrWhiteSpace(k.Name)) failures.Add($"{at}:Name (env {env}__Name) is required.");
            else if (!names.Add(k.Name)) failures.Add($"{at}:Name (env {env}__Name): the name '{k.Name}' is used twice.");
            if (string.IsNullOrWhiteSpace(k.Key) || k.Key.Length < 16)
                failures.Add($"{at}:Key (env {env}__Key) must have at least 16 characters.");
            if (k.Scopes.Count == 0) failures.Add($"{at}:Scopes (env {env}__Scopes__0) needs at least one of {ApiScopes.Names}.");
            foreach (var s in k.Scopes)
                if (!ApiScopes.TryParse(s, out _))
                    failures.Add($"{at}:Scopes (env {env}__Scopes__N): unknown scope '{s}'; use {ApiScopes.Names}.");
            if (k.PermitsPerSecond < 0 || k.Burst < 0)
                failures.Add($"{at}:PermitsPerSecond and Burst (env {env}__PermitsPerSecond, {env}__Burst) must not be negative.");
        }
        if (o.RequireKeys && o.ApiKeys.Count == 0)
            failures.Add("No API key is configured and Reco:Gateway:RequireKeys is true. Set RECO_API_KEY (an admin key), or "
                + "Reco__Gateway__ApiKeys__0__Name, Reco__Gateway__ApiKeys__0__Key and Reco__Gateway__ApiKeys__0__Scopes__0 "
                + $"({ApiScopes.Names}), or set Reco__Gateway__RequireKeys=false to serve without keys.");
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}

/// <summary>
/// Scopes of an API key (a key holds a set). <see cref="Admin"/> implies every other scope; <see cref="Write"/>,
/// <see cref="Catalogue"/> and <see cref="UsersRead"/> each imply <see cref="Read"/>.
/// </summary>
[Flags]
public enum ApiScope
{
    None = 0,
    /// <summary>Recommendations, similar items, scores, reading items and the model.</summary>
    Read = 1,
    /// <summary>Events and user profiles.</summary>
    Write = 2,
    /// <summary>Adding, replacing and removing catalogue items.</summary>
    Catalogue = 4,
    /// <summary>Reading any user's profile and history.</summary>
    UsersRead = 8,
    /// <summary>Retraining and publishing models; implies every scope.</summary>
    Admin = 16,
}

public static class ApiScopes
{
    /// <summary>Every scope as configured, in order.</summary>
    public static readonly IReadOnlyList<ApiScope> All = [ApiScope.Read, ApiScope.Write, ApiScope.Catalogue, ApiScope.UsersRead, ApiScope.Admin];

    /// <summary>The names accepted in <c>Scopes</c>, for messages.</summary>
    public static string Names => string.Join(", ", All.Select(Name));

    public static bool TryParse(string? text, out ApiScope scope)
    {
        scope = default;
        switch (text?.Trim().ToLowerInvariant())
        {
            case "read": scope = ApiScope.Read; return true;
            case "write": scope = ApiScope.Write; return true;
            case "catalogue": scope = ApiScope.Catalogue; return true;
            case "users:read": scope = ApiScope.UsersRead; return true;
            case "admin": scope = ApiScope.Admin; return true;
            default: return false;
        }
    }

    /// <summary><paramref name="granted"/> with every scope it implies.</summary>
    public static ApiScope WithImplied(this ApiScope granted)
    {
        if (granted.HasFlag(ApiScope.Admin)) return ApiScope.Read | ApiScope.Write | ApiScope.Catalogue | ApiScope.UsersRead | ApiScope.Admin;
        return (granted & (ApiScope.Write | ApiScope.Catalogue | ApiScope.UsersRead)) != 0 ? granted | ApiScope.Read : granted;
    }

    /// <summary>The configured name of one scope, or the names of a set joined with commas.</summary>
    public static string Name(this ApiScope scope) => scope switch
    {
        ApiScope.UsersRead => "users:read",
        ApiScope.None => "none",
        _ when All.Contains(scope) => scope.ToString().ToLowerInvariant(),
        _ => string.Join(", ", All.Where(s => scope.HasFlag(s)).Select(Name)),
    };
}
