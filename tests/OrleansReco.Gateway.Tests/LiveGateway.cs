using System.Net.Http.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using OrleansReco.Embedded;

namespace OrleansReco.Gateway.Tests;

/// <summary>
/// The single-process host on real loopback ports (Kestrel, not the test server): the API port and the management
/// port, so that tests see which port answers what, and a browser can open it. Serves a seeded model and a catalogue.
/// </summary>
public sealed class LiveGateway : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly string _modelPath;

    private LiveGateway(WebApplication app, string modelPath, int apiPort, int managementPort)
    {
        _app = app;
        _modelPath = modelPath;
        ApiUrl = new Uri($"http://127.0.0.1:{apiPort}");
        ManagementUrl = new Uri($"http://127.0.0.1:{managementPort}");
    }

    public const string ModelVersion = "live-v1";

    public Uri ApiUrl { get; }
    public Uri ManagementUrl { get; }

    /// <summary>Starts the host with <see cref="GatewayFactoryBase.BaseSettings"/>, <paramref name="extra"/> settings, and 30 items.</summary>
    public static async Task<LiveGateway> StartAsync(IReadOnlyDictionary<string, string?>? extra = null)
    {
        string modelPath = SmallModel.Write(ModelVersion, seed: 7);
        int apiPort = Ports.Free(), managementPort = Ports.Free();
        var settings = GatewayFactoryBase.BaseSettings();
        settings["Reco:Model:Path"] = modelPath;
        settings["Reco:Gateway:ManagementPort"] = managementPort.ToString();
        settings["Reco:Gateway:ManagementHost"] = "127.0.0.1";
        foreach (var (key, value) in extra ?? new Dictionary<string, string?>()) settings[key] = value;
        var app = EmbeddedHost.Create([], builder =>
        {
            builder.Configuration.AddInMemoryCollection(settings);
            builder.WebHost.UseUrls($"http://127.0.0.1:{apiPort}");
        });
        await app.StartAsync();
        var live = new LiveGateway(app, modelPath, apiPort, managementPort);
        using var admin = live.Api(GatewayFactoryBase.AdminKey);
        var items = Enumerable.Range(0, 30).Select(i => new
        {
            item_id = $"live-{i:D2}",
            features = new Dictionary<string, string> { ["category"] = SmallModel.Categories[i % 3], ["price"] = (5 + i % 7).ToString() },
        });
        (await admin.PostAsJsonAsync("/v1/items", new { items })).EnsureSuccessStatusCode();
        return live;
    }

    /// <summary>A client of the API port, with <paramref name="key"/> as <c>X-Api-Key</c> when given.</summary>
    public HttpClient Api(string? key)
    {
        var client = new HttpClient { BaseAddress = ApiUrl, Timeout = TimeSpan.FromSeconds(60) };
        if (key is not null) client.DefaultRequestHeaders.Add("X-Api-Key", key);
        return client;
    }

    /// <summary>A client of the management port.</summary>
    public HttpClient Management() => new() { BaseAddress = ManagementUrl, Timeout = TimeSpan.FromSeconds(60) };

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        File.Delete(_modelPath);
    }
}
