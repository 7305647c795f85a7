using Orleans.Dashboard;
using OrleansReco.Gateway.Hosting;
using OrleansReco.Gateway.Security;

namespace OrleansReco.Gateway.Endpoints;

/// <summary>
/// The Orleans Dashboard's UI at <c>/dashboard</c> (on with <c>Reco:Cluster:Dashboard</c>), for admin keys: in header
/// <c>X-Api-Key</c>, or, for a browser, a dashboard session cookie from <c>POST /v1/dashboard/session</c>
/// (<see cref="DashboardSessions"/>; the page <c>/dashboard-login.html</c> does that POST with the key typed in, or the one
/// the web UI keeps in this tab, and opens the dashboard).
/// </summary>
public static class DashboardEndpoints
{
    public const string Prefix = DashboardSessions.CookiePath;

    public static IEndpointRouteBuilder MapDashboardEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapPost("/v1/dashboard/session", StartSession).RequireScope(ApiScope.Admin).WithTags("dashboard")
            .WithSummary("Sets the dashboard session cookie (15 min, path /dashboard) for the admin key in the header");
        app.MapOrleansDashboard(Prefix).RequireScope(ApiScope.Admin).WithMetadata(new AcceptsDashboardSession());
        return app;
    }

    private static IResult StartSession(HttpContext context, DashboardSessions sessions, ApiKeyStore keys)
    {
        // With Reco:Gateway:RequireKeys=false the caller is "anonymous" and the dashboard needs no session.
        if (context.Items[ApiKeyMiddleware.KeyNameItem] is string name && keys.FindByName(name) is not null)
            context.Response.Cookies.Append(DashboardSessions.CookieName, sessions.Issue(name), sessions.CookieOptions(context.Request));
        return Results.NoContent();
    }
}
