using Microsoft.Extensions.Hosting;
using OrleansReco.Silo.Hosting;

// A silo of the OrleansReco cluster. Configuration: see README ("Configuration") and Hosting/ClusterHostingOptions.cs.
var builder = Host.CreateApplicationBuilder(args);
builder.AddRecoSilo();
builder.AddRecoTelemetry();
using var host = builder.Build();
await host.RunAsync();
