using OrleansReco.Gateway.Endpoints;
using OrleansReco.Gateway.Hosting;
using OrleansReco.ServiceDefaults;

// The OrleansReco HTTP gateway: JSON API under /v1 over the grains of a cluster, with keys, limits and telemetry.
// It is an Orleans client (Reco:Cluster); a silo and the gateway in one process is embedded/ (README "HTTP API").
// Configuration: section Reco:Gateway (Hosting/GatewayOptions.cs), Reco:Cluster and Reco:Telemetry; see README.
var builder = WebApplication.CreateBuilder(args);
builder.AddRecoDefaults(GatewayHostingExtensions.ServiceName);
builder.AddRecoClusterClientUnlessGeneratingDocument();
builder.AddRecoGateway();
var app = builder.Build();
app.UseRecoGateway();
app.MapRecoEndpoints();
app.Run();

/// <summary>Entry point of the gateway alone (an Orleans client); public so that it can be hosted in process.</summary>
public partial class Program;
