using Microsoft.Extensions.Options;

namespace OrleansReco.Silo.Hosting;

/// <summary>
/// The silo's own HTTP port: <c>/healthz</c> (liveness), <c>/readyz</c> (readiness) and <c>/metrics</c> (Prometheus).
/// Bound from section <c>Reco:Silo</c>.
/// </summary>
public sealed class SiloHttpOptions
{
    public const string Section = "Reco:Silo";

    /// <summary>Port of the silo's HTTP endpoints; 0 turns them off (no HTTP listener at all).</summary>
    public int HttpPort { get; set; } = 8081;

    /// <summary>Host it listens on: <c>*</c> (every interface, as a pod needs) or a name or address such as <c>127.0.0.1</c>.</summary>
    public string HttpHost { get; set; } = "*";
}

public sealed class SiloHttpOptionsValidator : IValidateOptions<SiloHttpOptions>
{
    public ValidateOptionsResult Validate(string? name, SiloHttpOptions o)
    {
        var failures = new List<string>();
        if (o.HttpPort is < 0 or > 65535)
            failures.Add($"Reco:Silo:HttpPort (env Reco__Silo__HttpPort) must be 0 (off) or a TCP port, not {o.HttpPort}.");
        if (string.IsNullOrWhiteSpace(o.HttpHost))
            failures.Add("Reco:Silo:HttpHost (env Reco__Silo__HttpHost) must not be empty; use * for every interface.");
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
