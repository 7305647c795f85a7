using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using OrleansReco.GrainInterfaces;
using OrleansReco.GrainInterfaces.Events;
using OrleansReco.Gateway.Hosting;
using OrleansReco.Gateway.Http;
using OrleansReco.Gateway.Security;

namespace OrleansReco.Gateway.Endpoints;

/// <summary>
/// <c>POST /v1/events</c>. All or nothing: every event is checked first and one bad event refuses the whole batch
/// (400 listing every bad field, nothing recorded). Then the events are grouped by user and each user grain records
/// its own (bounded concurrency); 202 only after every grain persisted. If a grain fails after validation the answer
/// is 503 naming the users whose events were persisted; sending the batch again is safe because event ids dedupe.
/// </summary>
public static partial class EventEndpoints
{
    public static IEndpointRouteBuilder MapEventEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapPost("/v1/events", PostEventsAsync)
            .RequireScope(ApiScope.Write)
            .WithTags("events")
            .WithSummary("Record a batch of user events (all or nothing)")
            .Accepts<EventBatchInput>("application/json")
            .Produces<EventsAccepted>(StatusCodes.Status202Accepted)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        return app;
    }

    private static async Task<IResult> PostEventsAsync(
        HttpContext context, IGrainFactory grains, IOptions<GatewayOptions> options, GatewayMetrics metrics, ILoggerFactory logs)
    {
        var o = options.Value;
        var now = DateTimeOffset.UtcNow;
        var (batch, error) = await JsonBody.ReadAsync(context.Request, o.MaxRequestBytes,
            (root, fields) =>
            {
                var events = EventReader.ReadBatch(root, o.MaxBatch, fields, now.ToUnixTimeSeconds(), EventValidation.Latest(now, o.MaxFutureSkew));
                if (!fields.HasErrors) CheckRetrySafe(events, o.EventIdWindow, fields);
                return events;
            },
            (events, errors) =>
            {
                metrics.EventsRejected(events.Count);
                return Problems.Validation(errors, events.Count > 0
                    ? $"The batch of {events.Count} event(s) was refused, nothing was recorded: {errors.Count} problem(s)." : null);
            });
        if (error is not null) return error;

        var byUser = ByUser(batch);
        var persisted = new ConcurrentBag<string>();
        var failed = new ConcurrentDictionary<string, string>(StringComparer.Ordinal);
        int accepted = 0, duplicates = 0;
        async ValueTask RecordAsync((string User, UserEvent[] Events) group)
        {
            try
            {
                var ack = await grains.User(group.User).RecordEventsAsync(group.Events);
                Interlocked.Add(ref accepted, ack.Accepted);
                Interlocked.Add(ref duplicates, ack.Duplicates);
                persisted.Add(group.User);
            }
            catch (Exception e)
            {
                failed[group.User] = $"{e.GetType().Name}: {e.Message}";
            }
        }
        // Not cancelled when the client goes away: a batch once validated is recorded in full where it can be.
        // One user's batch (the usual call) is recorded directly, without the parallel loop's machinery.
        if (byUser.Length == 1) await RecordAsync(byUser[0]);
        else await Parallel.ForEachAsync(byUser, new ParallelOptions { MaxDegreeOfParallelism = o.EventConcurrency }, (group, _) => RecordAsync(group));
        metrics.Events(accepted, duplicates);
        if (failed.IsEmpty) return Results.Json(new EventsAccepted(accepted, duplicates, 0), statusCode: StatusCodes.Status202Accepted);

        LogPartial(logs.CreateLogger(typeof(EventEndpoints)), failed.Count, byUser.Length, string.Join(", ", failed.Keys.Take(10)));
        return Problems.Status(StatusCodes.Status503ServiceUnavailable, "Events partly recorded",
            $"The events of {failed.Count} of {byUser.Length} users could not be persisted. The events of the users in persisted_users are recorded; "
            + "send the batch again (events with an event_id are not recorded twice).",
            new Dictionary<string, object?>
            {
                ["accepted"] = accepted,
                ["duplicates"] = duplicates,
                ["persisted_users"] = persisted.Order(StringComparer.Ordinal).ToArray(),
                ["failed_users"] = failed.OrderBy(p => p.Key, StringComparer.Ordinal).ToDictionary(p => p.Key, p => p.Value),
            });
    }

    /// <summary>The batch's events grouped by user, in order of each user's first event (no grouping for a batch of one user).</summary>
    private static (string User, UserEvent[] Events)[] ByUser(List<(string UserId, UserEvent Event)> batch)
    {
        if (batch.Count == 0) return [];
        string first = batch[0].UserId;
        bool one = true;
        foreach (var (user, _) in batch)
            if (!string.Equals(user, first, StringComparison.Ordinal)) { one = false; break; }
        if (!one) return batch.GroupBy(e => e.UserId, StringComparer.Ordinal).Select(g => (User: g.Key, Events: g.Select(e => e.Event).ToArray())).ToArray();
        var events = new UserEvent[batch.Count];
        for (int i = 0; i < events.Length; i++) events[i] = batch[i].Event;
        return [(first, events)];
    }

    /// <summary>
    /// Refuses a batch with more events for one user than the user grain's window of event ids: after a 503 its retry
    /// would find the oldest ids already forgotten and record those events twice.
    /// </summary>
    private static void CheckRetrySafe(List<(string UserId, UserEvent Event)> batch, int window, JsonFields fields)
    {
        if (batch.Count <= window) return;
        foreach (var user in batch.CountBy(e => e.UserId, StringComparer.Ordinal).Where(u => u.Value > window).OrderBy(u => u.Key, StringComparer.Ordinal))
            fields.Add("events", $"User '{user.Key}' has {user.Value} events in this batch; at most {window} (Reco:Users:EventIdWindow, the event ids a user "
                + "remembers) make a retry safe. Split the batch.");
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Event batch partly recorded: {Failed} of {Users} users failed (first: {FailedUsers})")]
    private static partial void LogPartial(ILogger logger, int failed, int users, string failedUsers);
}
