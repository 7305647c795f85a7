using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using OrleansReco.Embedded;

namespace OrleansReco.Gateway.Tests;

/// <summary>
/// The gateway in process (the single-process host: a silo with the Memory providers beside it) with its own free silo and
/// gateway ports, so that fixtures can run side by side. Settings go in as host settings, which the app reads while
/// it is being built.
/// </summary>
public sealed class GatewayFactory(IReadOnlyDictionary<string, string?> settings) : GatewayFactoryBase(settings);

/// <summary>Base of <see cref="GatewayFactory"/>, for tests that change services as well.</summary>
public class GatewayFactoryBase(IReadOnlyDictionary<string, string?> settings) : WebApplicationFactory<EmbeddedHost>
{
    public const string AdminKey = "test-admin-key-0123456789";
    public const string WriteKey = "test-write-key-0123456789";
    public const string ReadKey = "test-read-key-01234567890";
    public const string LimitedKey = "test-limited-key-01234567";
    public const string CatalogueKey = "test-catalogue-key-0123456";
    public const string UsersReadKey = "test-users-read-key-012345";

    /// <summary>Settings every test gateway shares: six keys (one with a tiny rate limit; index 4 is left for a test's own) and fresh ports.</summary>
    public static Dictionary<string, string?> BaseSettings()
    {
        var s = new Dictionary<string, string?>
        {
            ["Reco:Cluster:SiloPort"] = Ports.Free().ToString(),
            ["Reco:Cluster:GatewayPort"] = Ports.Free().ToString(),
            ["Reco:Cluster:ClusterId"] = "gw-test-" + Guid.NewGuid().ToString("N")[..8],
        };
        AddKey(s, 0, "admin", AdminKey, "admin");
        AddKey(s, 1, "writer", WriteKey, "write");
        AddKey(s, 2, "reader", ReadKey, "read");
        AddKey(s, 3, "limited", LimitedKey, "read");
        s["Reco:Gateway:ApiKeys:3:PermitsPerSecond"] = "1";
        s["Reco:Gateway:ApiKeys:3:Burst"] = "2";
        AddKey(s, 5, "catalogue", CatalogueKey, "catalogue");
        AddKey(s, 6, "support", UsersReadKey, "users:read");
        return s;
    }

    private static void AddKey(Dictionary<string, string?> s, int i, string name, string key, string scope)
    {
        s[$"Reco:Gateway:ApiKeys:{i}:Name"] = name;
        s[$"Reco:Gateway:ApiKeys:{i}:Key"] = key;
        s[$"Reco:Gateway:ApiKeys:{i}:Scopes:0"] = scope;
    }

    public HttpClient Client(string? key = AdminKey)
    {
        var client = CreateClient();
        if (key is not null) client.DefaultRequestHeaders.Add("X-Api-Key", key);
        return client;
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Production");
        foreach (var (key, value) in settings) builder.UseSetting(key, value);
    }

}
