using System.Text.Json;
using Microsoft.Extensions.Options;
using OrleansReco.GrainInterfaces;
using OrleansReco.GrainInterfaces.Events;
using OrleansReco.Gateway.Hosting;
using OrleansReco.Gateway.Http;
using OrleansReco.Gateway.Security;

namespace OrleansReco.Gateway.Endpoints;

/// <summary>Users: set the profile, read profile and history.</summary>
public static class UserEndpoints
{
    public static IEndpointRouteBuilder MapUserEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/v1/users/{id}", GetAsync).RequireScope(ApiScope.UsersRead).WithTags("users")
            .WithSummary("Profile, recent history (newest last), event count and model version of a user")
            .Produces<UserOutput>().ProducesProblem(StatusCodes.Status404NotFound);
        app.MapPut("/v1/users/{id}", PutAsync).RequireScope(ApiScope.Write).WithTags("users")
            .WithSummary("Replace a user's profile features")
            .Accepts<ProfileInput>("application/json").Produces<ProfileSaved>().ProducesValidationProblem();
        return app;
    }

    private static async Task<IResult> GetAsync(string id, IGrainFactory grains)
    {
        if (Ids.RouteProblem(id) is { } bad) return bad;
        var user = await grains.User(id).GetHistoryAsync();
        // A user with no event and no profile has never been written: report it as absent.
        if (user.EventCount == 0 && user.Events.Length == 0 && user.Profile.Count == 0)
            return Problems.NotFound($"User '{id}' has no events and no profile.");
        return Results.Ok(new UserOutput(id, user.Profile,
            user.Events.Select(e => new HistoryEventOutput(e.ItemId, e.EventType, e.Value, e.Timestamp, e.EventId)).ToArray(), user.EventCount, user.ModelVersion));
    }

    private static async Task<IResult> PutAsync(string id, HttpRequest request, IGrainFactory grains, IOptions<GatewayOptions> options)
    {
        var (features, error) = await JsonBody.ReadAsync(request, options.Value.MaxRequestBytes, (root, fields) =>
        {
            Ids.Check(id, "id", fields.Errors);
            return ReadProfile(root, fields);
        });
        if (error is not null) return error;
        var saved = await grains.User(id).SetProfileAsync(features!);
        return Results.Ok(new ProfileSaved(id, features!, saved.ModelVersion));
    }

    /// <summary>The body of <c>PUT /v1/users/{id}</c> (documented by <see cref="ProfileInput"/>).</summary>
    internal static Dictionary<string, string>? ReadProfile(JsonElement root, JsonFields fields)
    {
        if (!fields.RequireObject(root, "body")) return null;
        var features = fields.StringMap(root, "features", "features");
        if (features is null && !fields.HasErrors) fields.Add("features", "features is required (an object of name → value).");
        return features;
    }
}
