using Microsoft.AspNetCore.Builder;
using OrleansReco.ServiceDefaults;
using OrleansReco.Silo.Hosting;

// A silo of the OrleansReco cluster, with its HTTP port (/healthz, /readyz, /metrics; Reco:Silo:HttpPort).
// Configuration: see README ("Configuration"), Hosting/ClusterHostingOptions.cs (Reco:Cluster), Hosting/SiloHttpOptions.cs
// (Reco:Silo) and Reco:Telemetry (service-defaults/).
var builder = WebApplication.CreateBuilder(args);
builder.AddRecoDefaults("orleans-reco-silo");
builder.AddRecoSilo();
builder.AddRecoSiloHttp();
await using var app = builder.Build();
app.MapRecoSiloHttp();
await app.RunAsync();
