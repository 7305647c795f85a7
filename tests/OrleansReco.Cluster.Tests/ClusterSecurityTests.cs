using System.Net;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orleans.Connections.Security;
using OrleansReco.LocalCluster;
using Xunit.Abstractions;

namespace OrleansReco.Cluster.Tests;

/// <summary>
/// The cluster plane locked down as deployed: mutual TLS on every Orleans connection, Redis with the ACL users of
/// k8s/base/redis-users.acl (silo user, narrow gateway user, anonymous PING only), and start-up errors that name
/// the setting to fix.
/// </summary>
public sealed class ClusterSecurityTests(ITestOutputHelper output)
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task SecuredCluster_IngestsAndRecommends_RefusesOutsidersOnOrleansAndRedis()
    {
        await using var cluster = await RecoCluster.StartAsync(new ClusterOptions
        {
            ServingSilos = 2, TrainSilo = false, Items = 30, Tls = true, RedisUsers = true, Log = Log,
        });
        using var client = cluster.CreateClient(TimeSpan.FromSeconds(60));

        // Events go in through the gateway (Orleans client over TLS) and come back out of the users' histories.
        var events = Enumerable.Range(0, 40)
            .Select(i => new LoadEvent($"sec-{i}", $"sec-user-{i % 4}", RecoCluster.ItemId(i % 30), "view", DateTimeOffset.UtcNow.ToUnixTimeSeconds() - 100 + i))
            .ToArray();
        Assert.Equal(HttpStatusCode.Accepted, await client.PostEventsAsync(events));
        for (int u = 0; u < 4; u++)
        {
            var history = await client.HistoryEventIdsAsync($"sec-user-{u}");
            Assert.Equal(events.Where(e => e.UserId == $"sec-user-{u}").Select(e => e.EventId).Order(), history.Order());
            var answer = await client.RecommendAsync($"sec-user-{u}", 5);
            Assert.Equal(RecoCluster.ModelVersion, answer.ModelVersion);
            Assert.Equal(5, answer.ItemIds.Length);
        }

        // Orleans: only a client with a certificate of the cluster's CA may call a grain on a silo's gateway port.
        var silo = cluster.ServingSilos.First();
        var certificates = cluster.Certificates!;
        var member = X509Certificate2.CreateFromPemFile(certificates.CertificatePath, certificates.KeyPath);
        Assert.Equal(1 + 1, (await CallGrainAsync(cluster, silo.GatewayPort, member)).Length); // control: the same client with the cluster's certificate
        var plain = await Assert.ThrowsAnyAsync<Exception>(() => CallGrainAsync(cluster, silo.GatewayPort, certificate: null));
        output.WriteLine($"client without TLS: {plain.GetType().Name}: {plain.Message}");
        Assert.IsNotType<TimeoutException>(plain); // refused, not merely slow
        var outsiderFiles = ClusterCertificateFiles.Create(Path.Combine(cluster.WorkDirectory, "outsider"), "Some other CA");
        var outsider = X509Certificate2.CreateFromPemFile(outsiderFiles.CertificatePath, outsiderFiles.KeyPath);
        var foreign = await Assert.ThrowsAnyAsync<Exception>(() => CallGrainAsync(cluster, silo.GatewayPort, outsider));
        output.WriteLine($"client with another CA's certificate: {foreign.GetType().Name}: {foreign.Message}");
        Assert.IsNotType<TimeoutException>(foreign);

        // Redis: the gateway user reads the membership table and nothing else; anonymous connections may only PING.
        var redis = cluster.Redis;
        var users = redis.Users!;
        string membership = $"{cluster.ServiceId}/members/{cluster.ClusterId}";
        Assert.Contains("Version", await redis.CommandAsAsync(RedisUsers.GatewayUser, users.GatewayPassword, "HGETALL", membership));
        string userState = $"{cluster.ServiceId}:user:{{sec-user-0}}"; // RedisUserStore's key of the user's state
        Assert.Equal("1", await redis.CommandAsync("EXISTS", userState));
        foreach (var forbidden in new[]
        {
            new[] { "FLUSHALL" },
            ["DEL", userState],
            ["HSET", userState, "data", "forged"],
            ["HGETALL", userState],
            ["HSET", membership, "Version", "0"],
            ["XADD", $"{cluster.ServiceId}:events:in", "*", "user_id", "x"],
            ["CONFIG", "GET", "requirepass"],
        })
        {
            var refused = await Assert.ThrowsAsync<InvalidOperationException>(() => redis.CommandAsAsync(RedisUsers.GatewayUser, users.GatewayPassword, forbidden));
            Assert.Contains("NOPERM", refused.Message);
        }
        // The deployed rules are enough for the silos: Redis denied them nothing while the cluster ran.
        var denied = (await redis.CommandAsync("ACL", "LOG")).Split('\n');
        var deniedUsers = denied.Zip(denied.Skip(1)).Where(p => p.First == "username").Select(p => p.Second).Distinct().ToArray();
        output.WriteLine($"ACL LOG users: {string.Join(", ", deniedUsers)}");
        Assert.False(deniedUsers.Contains(RedisUsers.SiloUser), $"Redis denied the silo user commands (ACL LOG):\n{string.Join(' ', denied)}");
        var wrong = await Assert.ThrowsAsync<InvalidOperationException>(() => redis.CommandAsAsync(RedisUsers.SiloUser, "not-the-password", "PING"));
        Assert.Contains("WRONGPASS", wrong.Message);
        // The default user (no password: what an unauthenticated connection is) answers PING and nothing else.
        Assert.Equal("PONG", await redis.CommandAsAsync("default", "", "PING"));
        var anonymous = await Assert.ThrowsAsync<InvalidOperationException>(() => redis.CommandAsAsync("default", "", "HGETALL", membership));
        Assert.Contains("NOPERM", anonymous.Message);
    }

    [Fact]
    public async Task Silo_WithWrongRedisPassword_StopsWithMessageNamingTheKeys()
    {
        string work = Path.Combine(Path.GetTempPath(), "reco-sec-" + Guid.NewGuid().ToString("N")[..8]);
        await using var redis = await RedisProcess.StartAsync(Path.Combine(work, "redis"), users: new RedisUsers());
        await using var silo = StartSilo(new()
        {
            ["Reco__Cluster__Provider"] = "Redis",
            ["Reco__Cluster__RedisConnectionString"] = redis.ConnectionString,
            ["Reco__Cluster__RedisUser"] = RedisUsers.SiloUser,
            ["Reco__Cluster__RedisPassword"] = "not-the-password",
        });

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => silo.WaitForLineAsync("Application started", StartTimeout, "silo start"));

        Assert.NotEqual(0, await silo.Exited);
        Assert.Contains("Reco:Cluster:RedisPassword", error.Message);
        Assert.Contains("reco-silo", error.Message);
        Assert.DoesNotContain("not-the-password", error.Message);
    }

    [Fact]
    public async Task Silo_WithTlsOnAndMissingCertificate_StopsWithMessageNamingTheOption()
    {
        string ca = Path.Combine(Path.GetTempPath(), "reco-sec-" + Guid.NewGuid().ToString("N")[..8]);
        var files = ClusterCertificateFiles.Create(ca);
        await using var silo = StartSilo(new()
        {
            ["Reco__Cluster__Tls__Enabled"] = "true",
            ["Reco__Cluster__Tls__CertificatePath"] = Path.Combine(ca, "missing.crt"),
            ["Reco__Cluster__Tls__CaPath"] = files.CaPath,
        });

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => silo.WaitForLineAsync("Application started", StartTimeout, "silo start"));

        Assert.NotEqual(0, await silo.Exited);
        Assert.Contains("Reco:Cluster:Tls:CertificatePath", error.Message);
        Assert.Contains("missing.crt", error.Message);
    }

    [Fact]
    public async Task Silo_ReachesRedisOverTls_WithTheCaOfRedisCaPath()
    {
        string work = Path.Combine(Path.GetTempPath(), "reco-sec-" + Guid.NewGuid().ToString("N")[..8]);
        var files = ClusterCertificateFiles.Create(Path.Combine(work, "redis-tls"), "Redis test CA");
        int port = Ports.Free();
        await using var redis = ChildProcess.Start("redis-tls", RedisProcess.Executable,
        [
            "--port", "0", "--tls-port", port.ToString(), "--bind", "127.0.0.1", "--dir", work, "--save", "", "--appendonly", "no",
            "--tls-cert-file", files.CertificatePath, "--tls-key-file", files.KeyPath, "--tls-ca-cert-file", files.CaPath, "--tls-auth-clients", "no",
        ], new Dictionary<string, string>(), logPath: null);
        await redis.WaitForLineAsync("Ready to accept connections", StartTimeout, "starting redis-server with TLS only");
        string cluster = "tls-redis-" + Guid.NewGuid().ToString("N")[..6];
        await using var silo = StartSilo(new()
        {
            ["Reco__Cluster__Provider"] = "Redis",
            ["Reco__Cluster__RedisConnectionString"] = $"127.0.0.1:{port},abortConnect=false",
            ["Reco__Cluster__RedisCaPath"] = files.CaPath,
            ["Reco__Cluster__ClusterId"] = cluster,
            ["Reco__Cluster__ServiceId"] = cluster,
        }, out int gatewayPort);
        await silo.WaitForLineAsync("Application started", StartTimeout, "silo start against Redis over TLS");

        // The silo joined through the membership table in that Redis, and serves grain calls.
        var hosts = await CallGrainAsync(cluster, cluster, gatewayPort, certificate: null);
        Assert.Single(hosts);
    }

    /// <summary>An Orleans client of one silo's gateway port (TLS with <paramref name="certificate"/>, or none) asking for the active silos.</summary>
    private static Task<SiloAddress[]> CallGrainAsync(RecoCluster cluster, int gatewayPort, X509Certificate2? certificate) =>
        CallGrainAsync(cluster.ClusterId, cluster.ServiceId, gatewayPort, certificate);

    private static async Task<SiloAddress[]> CallGrainAsync(string clusterId, string serviceId, int gatewayPort, X509Certificate2? certificate)
    {
        using var host = Host.CreateDefaultBuilder()
            .UseOrleansClient(c =>
            {
                c.UseStaticClustering(new IPEndPoint(IPAddress.Loopback, gatewayPort));
                c.UseConnectionRetryFilter((_, _) => Task.FromResult(false)); // a refused connection fails the start at once
                c.Configure<Orleans.Configuration.ClusterOptions>(o => { o.ClusterId = clusterId; o.ServiceId = serviceId; });
                if (certificate is not null)
                    c.UseTls(certificate, o =>
                    {
                        o.RemoteCertificateMode = RemoteCertificateMode.RequireCertificate;
                        o.AllowAnyRemoteCertificate(); // this client trusts any silo: what is tested is whether the silo trusts it
                    });
            })
            .Build();
        try
        {
            await host.StartAsync().WaitAsync(TimeSpan.FromSeconds(60));
            var grains = host.Services.GetRequiredService<IClusterClient>();
            var hosts = await grains.GetGrain<IManagementGrain>(0).GetHosts(onlyActive: true).WaitAsync(TimeSpan.FromSeconds(60));
            return [.. hosts.Keys];
        }
        finally
        {
            await host.StopAsync(TimeSpan.FromSeconds(10));
        }
    }

    private static ChildProcess StartSilo(Dictionary<string, string> environment) => StartSilo(environment, out _);

    private static ChildProcess StartSilo(Dictionary<string, string> environment, out int gatewayPort)
    {
        gatewayPort = Ports.Free();
        environment["Reco__Cluster__SiloPort"] = Ports.Free().ToString();
        environment["Reco__Cluster__GatewayPort"] = gatewayPort.ToString();
        environment["DOTNET_ENVIRONMENT"] = "Development";
        return ChildProcess.Start("silo", "dotnet", [BuildOutput.SiloDll], environment, logPath: null);
    }

    private void Log(string line)
    {
        try
        {
            output.WriteLine(line);
        }
        catch (InvalidOperationException)
        {
            // A line printed after the test finished.
        }
    }
}
