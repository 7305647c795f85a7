using OrleansReco.GrainInterfaces.Events;

namespace OrleansReco.Gateway.Http;

/// <summary>
/// Ids in paths and bodies (users, items, model versions) follow the rule events follow
/// (<see cref="EventValidation.CheckId"/>: 1 to <see cref="EventValidation.MaxIdLength"/> characters, not only white space).
/// </summary>
public static class Ids
{
    /// <summary>Adds an error naming <paramref name="field"/> when <paramref name="id"/> breaks the rule.</summary>
    public static void Check(string? id, string field, List<FieldError> errors) => EventValidation.CheckId(id, field, errors);

    /// <summary>The 400 answer for a bad <c>{id}</c> in a route, or null when the id is good.</summary>
    public static IResult? RouteProblem(string id)
    {
        var errors = new List<FieldError>();
        Check(id, "id", errors);
        return errors.Count > 0 ? Problems.Validation(errors) : null;
    }
}
