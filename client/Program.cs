// The OrleansReco HTTP gateway. Endpoints grow with the serving and gateway work; see README ("HTTP API").
var builder = WebApplication.CreateBuilder(args);
builder.Services.AddHealthChecks();
builder.Services.AddProblemDetails();

var app = builder.Build();
app.MapHealthChecks("/healthz");
app.MapGet("/v1/info", () => Results.Ok(new
{
    name = "OrleansReco",
    version = typeof(Program).Assembly.GetName().Version?.ToString(3),
}));
app.Run();

/// <summary>Entry point; public so that HTTP tests can host the app in process.</summary>
public partial class Program;
