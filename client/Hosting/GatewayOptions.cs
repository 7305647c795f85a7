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

    /// <summary>Logs as JSON lines (one object per entry) instead of text; the same as <c>Reco:Telemetry:JsonLogs</c>.</summary>
    public bool JsonLogs { get; set; }

    public bool IsEmbedded => string.Equals(Mode, "Embedded", StringComparison.OrdinalIgnoreCase);
    public bool IsClient => string.Equals(Mode, "Client", StringComparison.OrdinalIgnoreCase);
}

/// <summary>One API key: a name for logs and metrics (never the key itself), the secret, and its scopes.</summary>
public sealed class ApiKeyOptions
{
    public string Name { get; set; } = "";
    public string Key { get; set; } = "";

    /// <summary><c>read</c>, <c>write</c>, <c>admin</c>; admin implies write, write implies read.</summary>
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
            if (k.Scopes.Count == 0) failures.Add($"{at}:Scopes (env {env}__Scopes__0) needs at least one of read, write, admin.");
            foreach (var s in k.Scopes)
                if (!ApiScopes.TryParse(s, out _))
                    failures.Add($"{at}:Scopes (env {env}__Scopes__N): unknown scope '{s}'; use read, write or admin.");
            if (k.PermitsPerSecond < 0 || k.Burst < 0)
                failures.Add($"{at}:PermitsPerSecond and Burst (env {env}__PermitsPerSecond, {env}__Burst) must not be negative.");
        }
        if (o.RequireKeys && o.ApiKeys.Count == 0)
            failures.Add("No API key is configured and Reco:Gateway:RequireKeys is true. Set RECO_API_KEY (an admin key), or "
                + "Reco__Gateway__ApiKeys__0__Name, Reco__Gateway__ApiKeys__0__Key and Reco__Gateway__ApiKeys__0__Scopes__0 "
                + "(read, write or admin), or set Reco__Gateway__RequireKeys=false to serve without keys.");
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}

/// <summary>Access levels of an API key; each includes the ones below it.</summary>
public enum ApiScope
{
    Read = 1,
    Write = 2,
    Admin = 3,
}

public static class ApiScopes
{
    public static bool TryParse(string? text, out ApiScope scope)
    {
        scope = default;
        switch (text?.Trim().ToLowerInvariant())
        {
            case "read": scope = ApiScope.Read; return true;
            case "write": scope = ApiScope.Write; return true;
            case "admin": scope = ApiScope.Admin; return true;
            default: return false;
        }
    }

    public static string Name(this ApiScope scope) => scope.ToString().ToLowerInvariant();
}
