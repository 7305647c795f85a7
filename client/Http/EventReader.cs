using System.Text.Json;
using OrleansReco.GrainInterfaces;
using OrleansReco.GrainInterfaces.Events;

namespace OrleansReco.Gateway.Http;

/// <summary>
/// Events in request bodies, read field by field: a batch of <c>POST /v1/events</c> (documented by
/// <c>EventInput</c>) and the recent events of an anonymous user (<c>RecentEventInput</c>: the same without
/// <c>user_id</c>, <c>event_id</c> and <c>context</c>). Every problem goes to the <see cref="JsonFields"/> by path; a
/// field with a wrong JSON type is reported once (not again by <see cref="EventValidation.Check"/>).
/// </summary>
public static class EventReader
{
    /// <summary>The user id an anonymous user's recent events are checked with.</summary>
    private const string AnonymousUser = "anonymous";

    /// <summary>
    /// The events of a batch body (<c>{"events":[...]}</c> or a bare array). An element that is not an object, and
    /// every element of an oversized batch, stands as an empty entry, so that the count is the batch's size.
    /// </summary>
    public static List<(string UserId, UserEvent Event)> ReadBatch(JsonElement root, int maxBatch, JsonFields fields, long now, long latest = EventValidation.MaxTimestamp)
    {
        const string prefix = "events";
        var result = new List<(string, UserEvent)>();
        JsonElement events;
        if (root.ValueKind == JsonValueKind.Array) events = root;
        else if (root.ValueKind == JsonValueKind.Object && fields.Has(root, "events", prefix, out var e) && e.ValueKind == JsonValueKind.Array) events = e;
        else
        {
            fields.Add(prefix, root.ValueKind == JsonValueKind.Object
                ? "Expected an array of events in 'events'."
                : $"Expected {{\"events\": [...]}} or a JSON array of events, got {JsonFields.Kind(root)}.");
            return result;
        }
        int count = events.GetArrayLength();
        if (count == 0)
        {
            fields.Add(prefix, "The batch is empty; send at least one event.");
            return result;
        }
        if (count > maxBatch)
        {
            fields.Add(prefix, $"The batch has {count} events; at most {maxBatch} are allowed (Reco:Gateway:MaxBatch). Split it.");
            for (int i = 0; i < count; i++) result.Add(("", null!));
            return result;
        }
        int index = 0;
        foreach (var element in events.EnumerateArray())
            result.Add(ReadEvent(element, $"{prefix}[{index++}]", anonymous: false, now, latest, fields) ?? ("", null!));
        return result;
    }

    /// <summary>The <c>recent_events</c> array of an anonymous user (empty is allowed: a user with no history).</summary>
    public static UserEvent[] ReadRecent(JsonElement events, int maxBatch, long now, long latest, JsonFields fields)
    {
        const string prefix = "recent_events";
        if (events.ValueKind != JsonValueKind.Array)
        {
            fields.Add(prefix, $"Expected an array of events, got {JsonFields.Kind(events)}.");
            return [];
        }
        if (events.GetArrayLength() > maxBatch)
        {
            fields.Add(prefix, $"At most {maxBatch} recent events are allowed (Reco:Gateway:MaxBatch).");
            return [];
        }
        var list = new List<UserEvent>(events.GetArrayLength());
        int index = 0;
        foreach (var element in events.EnumerateArray())
            if (ReadEvent(element, $"{prefix}[{index++}]", anonymous: true, now, latest, fields) is { } read) list.Add(read.Event);
        return list.ToArray();
    }

    /// <summary>One event object at <paramref name="path"/>; null when it is not an object.</summary>
    private static (string UserId, UserEvent Event)? ReadEvent(JsonElement element, string path, bool anonymous, long now, long latest, JsonFields fields)
    {
        if (!fields.RequireObject(element, path)) return null;
        int before = fields.Errors.Count;
        string? userId = anonymous ? AnonymousUser : fields.String(element, "user_id", path + ".user_id", required: true);
        string? itemId = fields.String(element, "item_id", path + ".item_id", required: true);
        string? type = fields.String(element, "type", path + ".type", required: true);
        string? eventId = anonymous ? null : fields.String(element, "event_id", path + ".event_id", required: false);
        double? value = fields.Number(element, "value", path + ".value");
        long? timestamp = fields.Timestamp(element, "timestamp", path + ".timestamp");
        if (!anonymous && fields.Has(element, "context", path + ".context", out var context) && context.ValueKind != JsonValueKind.Object)
            fields.Add(path + ".context", $"Expected an object, got {JsonFields.Kind(context)}.");
        float v = value is { } d ? (float)d : 1f;
        if (value is { } big && !float.IsFinite(v)) fields.Add(path + ".value", $"The value {big} does not fit a 32-bit float.");
        int typed = fields.Errors.Count;
        var ev = new UserEvent(eventId, itemId ?? "", type ?? "", v, timestamp ?? now);
        foreach (var problem in EventValidation.Check(userId, ev, path: path + ".", latest: latest))
            if (!Reported(fields.Errors, before, typed, problem.Field)) fields.Errors.Add(problem);
        return (userId ?? "", ev);
    }

    /// <summary>Whether errors[from..to) already name <paramref name="field"/>.</summary>
    private static bool Reported(List<FieldError> errors, int from, int to, string field)
    {
        for (int i = from; i < to; i++)
            if (string.Equals(errors[i].Field, field, StringComparison.Ordinal)) return true;
        return false;
    }
}
