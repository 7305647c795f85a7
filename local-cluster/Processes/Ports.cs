using System.Net;
using System.Net.Sockets;

namespace OrleansReco.LocalCluster;

/// <summary>Loopback ports for processes and hosts started by the harness, the benchmarks and the tests.</summary>
public static class Ports
{
    /// <summary>A TCP port on loopback that was free a moment ago (for silos, gateways and redis-server).</summary>
    public static int Free()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
