using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
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
    public void AddRecoDefaults_NothingConfigured_StartsNoPipeline()
    {
        using var host = Build([]);

        Assert.Null(host.Services.GetService<TracerProvider>());
        Assert.Null(host.Services.GetService<MeterProvider>());
        Assert.Null(host.Services.GetService<LoggerProvider>());
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
