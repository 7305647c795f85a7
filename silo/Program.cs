using Microsoft.Extensions.Hosting;
using OrleansReco.ServiceDefaults;
using OrleansReco.Silo.Hosting;

// A silo of the OrleansReco cluster. Configuration: see README ("Configuration"), Hosting/ClusterHostingOptions.cs
// (Reco:Cluster) and Reco:Telemetry (service-defaults/).
var builder = Host.CreateApplicationBuilder(args);
builder.AddRecoDefaults("orleans-reco-silo");
builder.AddRecoSilo();
using var host = builder.Build();
await host.RunAsync();
