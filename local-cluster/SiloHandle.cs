namespace OrleansReco.LocalCluster;

/// <summary>One silo process and the ports it keeps across restarts.</summary>
public sealed class SiloHandle
{
    internal SiloHandle(string name, string role, int siloPort, int gatewayPort, int httpPort, string? clockOffset)
    {
        Name = name;
        Role = role;
        SiloPort = siloPort;
        GatewayPort = gatewayPort;
        HttpPort = httpPort;
        ClockOffset = clockOffset;
    }

    public string Name { get; }
    public string Role { get; }
    public int SiloPort { get; }
    public int GatewayPort { get; }

    /// <summary>The silo's HTTP port (<c>Reco:Silo:HttpPort</c>: <c>/healthz</c>, <c>/readyz</c>, <c>/metrics</c>) on loopback.</summary>
    public int HttpPort { get; }

    public Uri HttpUrl => new($"http://127.0.0.1:{HttpPort}");

    /// <summary>
    /// The <c>faketime</c> offset the silo runs under (e.g. <c>+1h</c>: <c>faketime -f '+1h' dotnet silo.dll</c>, its
    /// clock that far ahead of the others); null: the machine's clock.
    /// </summary>
    public string? ClockOffset { get; }
    public ChildProcess? Process { get; internal set; }
    public bool Running => Process is { HasExited: false };
}
