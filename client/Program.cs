using OrleansReco.Gateway.Hosting;

// The OrleansReco HTTP gateway: JSON API under /v1 over the grains, with keys, limits and telemetry.
// Embedded (default): this process also runs a silo. Client: an Orleans client to a cluster.
// Configuration: section Reco:Gateway (Hosting/GatewayOptions.cs) and Reco:Cluster; see README ("HTTP API").
var builder = WebApplication.CreateBuilder(args);
builder.AddRecoGateway();

var app = builder.Build();
app.UseRecoGateway();
app.MapRecoEndpoints();
app.Run();

/// <summary>Entry point; public so that HTTP tests can host the app in process.</summary>
public partial class Program;
