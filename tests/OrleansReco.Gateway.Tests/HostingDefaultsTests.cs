using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Console;
using Microsoft.Extensions.Options;
using OpenTelemetry.Logs;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
using OrleansReco.Embedded.Hosting;
using OrleansReco.Gateway.Hosting;
using OrleansReco.ServiceDefaults;

namespace OrleansReco.Gateway.Tests;

/// <summary>
/// The defaults every host calls (<c>AddRecoDefaults</c>): OTLP export of traces, metrics and logs exactly when an
/// endpoint is configured, either way; and the two compositions refusing each other's mode by name.
/// </summary>
public sealed class HostingDefaultsTests
{
    private static IHost Build(Dictionary<string, string?> settings)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(settings);
        builder.AddRecoDefaults("defaults-test");
        return builder.Build();
    }

    [Theory]
    [InlineData(TelemetryOptions.OtlpEndpointVariable)]
    [InlineData("Reco:Telemetry:OtlpEndpoint")]
    public void AddRecoDefaults_OtlpEndpointSet_ExportsTracesMetricsAndLogs(string key)
    {
        using var host = Build(new() { [key] = "http://127.0.0.1:4317" });

        Assert.NotNull(host.Services.GetService<TracerProvider>());
        Assert.NotNull(host.Services.GetService<MeterProvider>());
        Assert.NotNull(host.Services.GetService<LoggerProvider>());
    }

    [Fact]
    public async Task AddRecoDefaults_WithAConnectionMultiplexer_TracesRedisCommands()
    {
        string work = Path.Combine(Path.GetTempPath(), "reco-redis-spans-" + Guid.NewGuid().ToString("N")[..8]);
        await using var redis = await RedisProcess.StartAsync(work);
        var traced = new TaskCompletionSource<System.Diagnostics.Activity>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var listener = new System.Diagnostics.ActivityListener
        {
            ShouldListenTo = source => source.Name.Contains("StackExchangeRedis", StringComparison.Ordinal),
            Sample = (ref System.Diagnostics.ActivityCreationOptions<System.Diagnostics.ActivityContext> _) => System.Diagnostics.ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = a => { if (a.DisplayName.Contains("SET", StringComparison.OrdinalIgnoreCase)) traced.TrySetResult(a); },
        };
        System.Diagnostics.ActivitySource.AddActivityListener(listener);
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Reco:Telemetry:OtlpEndpoint"] = "http://127.0.0.1:4317" });
        builder.Services.AddSingleton<StackExchange.Redis.IConnectionMultiplexer>(_ => StackExchange.Redis.ConnectionMultiplexer.Connect(redis.ConnectionString));
        builder.AddRecoDefaults("defaults-test");
        using var host = builder.Build();
        Assert.NotNull(host.Services.GetService<TracerProvider>());

        await host.Services.GetRequiredService<StackExchange.Redis.IConnectionMultiplexer>().GetDatabase().StringSetAsync("traced", "1");

        var span = await traced.Task.WaitAsync(TimeSpan.FromSeconds(60));
        Assert.Equal("redis", span.GetTagItem("db.system")?.ToString() ?? span.GetTagItem("db.system.name")?.ToString());
        Directory.Delete(work, recursive: true);
    }

    [Fact]
    public void AddRecoDefaults_NothingConfigured_StartsNoPipeline()
    {
        using var host = Build([]);

        Assert.Null(host.Services.GetService<TracerProvider>());
        Assert.Null(host.Services.GetService<MeterProvider>());
        Assert.Null(host.Services.GetService<LoggerProvider>());
    }

    [Fact]
    public void AddRecoDefaults_JsonLogsSet_UsesTheJsonConsoleFormatter()
    {
        using var json = Build(new() { ["Reco:Telemetry:JsonLogs"] = "true" });
        using var text = Build([]);

        Assert.Equal(ConsoleFormatterNames.Json, json.Services.GetRequiredService<IOptions<ConsoleLoggerOptions>>().Value.FormatterName);
        Assert.NotEqual(ConsoleFormatterNames.Json, text.Services.GetService<IOptions<ConsoleLoggerOptions>>()?.Value.FormatterName);
    }

    [Fact]
    public void GatewayOptions_RetiredJsonLogsKey_FailsNamingTheTelemetryKey()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Reco:Gateway:JsonLogs"] = "true" }).Build();

        var error = Assert.Throws<OptionsValidationException>(() => GatewayHostingExtensions.ReadValidated(configuration));

        Assert.Contains("Reco__Telemetry__JsonLogs", error.Message);
    }

    [Fact]
    public void AddRecoDefaults_RelativeOtlpEndpoint_FailsNamingKey()
    {
        var error = Assert.Throws<OptionsValidationException>(() => Build(new() { ["Reco:Telemetry:OtlpEndpoint"] = "collector:4317" }));

        Assert.Contains("Reco__Telemetry__OtlpEndpoint", error.Message);
    }

    private static WebApplicationBuilder Web(Dictionary<string, string?> settings)
    {
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.Configuration.AddInMemoryCollection(settings);
        return builder;
    }

    [Theory]
    [InlineData(null, null, false)]
    [InlineData("http://127.0.0.1:4317", null, true)]
    [InlineData("http://127.0.0.1:4317", "false", false)]
    [InlineData(null, "true", true)]
    public void AddRecoClusterClient_TracesGrainCalls_WhenTracesAreExportedOrAskedFor(string? otlp, string? traceGrainCalls, bool traced)
    {
        var settings = new Dictionary<string, string?> { ["Reco:Gateway:RequireKeys"] = "false" };
        if (otlp is not null) settings[TelemetryOptions.OtlpEndpointVariable] = otlp;
        if (traceGrainCalls is not null) settings["Reco:Telemetry:TraceGrainCalls"] = traceGrainCalls;
        var builder = Web(settings);

        builder.AddRecoClusterClient();

        // Orleans' activity propagation is an outgoing grain-call filter of the client; nothing else adds one.
        bool filtered = builder.Services.Any(d => d.ServiceType == typeof(Orleans.IOutgoingGrainCallFilter));
        Assert.Equal(traced, filtered);
        Assert.Equal(traced, RecoDefaultsExtensions.TracesGrainCalls(builder.Configuration));
    }

    [Fact]
    public void AddRecoClusterClient_ModeEmbedded_FailsNamingTheHostToRun()
    {
        var builder = Web(new() { ["Reco:Gateway:Mode"] = "Embedded", ["Reco:Gateway:RequireKeys"] = "false" });

        var error = Assert.Throws<OptionsValidationException>(() => builder.AddRecoClusterClient());

        Assert.Contains("Reco:Gateway:Mode", error.Message);
        Assert.Contains("dotnet run --project embedded", error.Message);
    }

    [Fact]
    public void AddRecoClusterClient_BadGatewayPort_FailsNamingKey()
    {
        var builder = Web(new() { ["Reco:Gateway:RequireKeys"] = "false", ["Reco:Cluster:GatewayPort"] = "70000" });

        var error = Assert.Throws<OptionsValidationException>(() => builder.AddRecoClusterClient());

        Assert.Contains("Reco:Cluster:GatewayPort", error.Message);
    }

    [Fact]
    public void AddRecoEmbedded_ModeClient_FailsNamingTheGatewayToRun()
    {
        var builder = Web(new() { ["Reco:Gateway:Mode"] = "Client", ["Reco:Gateway:RequireKeys"] = "false" });

        var error = Assert.Throws<OptionsValidationException>(() => builder.AddRecoEmbedded());

        Assert.Contains("Reco:Gateway:Mode", error.Message);
        Assert.Contains("dotnet run --project client", error.Message);
    }
}
