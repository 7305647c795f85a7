using System.Globalization;
using System.Text.Json;
using OrleansReco.GrainInterfaces;
using OrleansReco.GrainInterfaces.Events;

namespace OrleansReco.Silo.Events;

/// <summary>
/// Turns one event-stream entry into a user id and a <see cref="UserEvent"/>. An entry is either flat fields
/// (<c>user_id</c>, <c>item_id</c>, <c>type</c>, optional <c>value</c>, <c>timestamp</c>, optional <c>event_id</c> and
/// <c>context</c>) or one field <c>event</c> holding a JSON object with the same names. <c>timestamp</c> is unix
/// seconds or ISO 8601; <c>value</c> defaults to 1. <c>context</c> is accepted and not kept (user grains keep no
/// context). An entry without <c>event_id</c> gets <c>stream:{entry id}</c>, so that a redelivery of the entry is
/// still recognised as a repeat. The event is then checked with <see cref="EventValidation"/>.
/// </summary>
public static class StreamEventParser
{
    public const string EventField = "event";
    public const string DerivedIdPrefix = "stream:";

    /// <summary>The parsed event, or the problems (each naming its field) that keep the entry out.</summary>
    public readonly record struct Result(string? UserId, UserEvent? Event, IReadOnlyList<FieldError> Errors)
    {
        public bool IsValid => Errors.Count == 0;

        /// <summary>The problems in one line, e.g. <c>type: Unknown event type 'x'; …</c>.</summary>
        public string Reason => string.Join("; ", Errors.Select(e => $"{e.Field}: {e.Message}"));
    }

    /// <remarks><paramref name="latest"/>: the latest timestamp accepted (<see cref="EventValidation.Latest"/>).</remarks>
    public static Result Parse(string entryId, IReadOnlyList<KeyValuePair<string, string>> fields, IReadOnlySet<string>? types = null,
        long latest = EventValidation.MaxTimestamp)
    {
        ArgumentNullException.ThrowIfNull(fields);
        var errors = new List<FieldError>();
        Raw raw;
        var json = fields.FirstOrDefault(f => f.Key == EventField);
        if (json.Key is not null) raw = FromJson(json.Value, errors);
        else raw = FromFlat(fields);
        if (errors.Count > 0) return new Result(null, null, errors);

        float value = 1f;
        if (raw.Value is { } v && !float.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out value))
            errors.Add(new FieldError("value", $"value '{Clip(v)}' is not a number."));
        long timestamp = 0;
        if (raw.Timestamp is null) errors.Add(new FieldError("timestamp", "timestamp is required (unix seconds or ISO 8601)."));
        else if (!TryParseTimestamp(raw.Timestamp, out timestamp))
            errors.Add(new FieldError("timestamp", $"timestamp '{Clip(raw.Timestamp)}' is neither unix seconds nor an ISO 8601 date and time."));
        var e = new UserEvent(raw.EventId ?? DerivedIdPrefix + entryId, raw.ItemId ?? "", raw.Type ?? "", value, timestamp);
        foreach (var error in EventValidation.Check(raw.UserId, e, types, latest: latest))
        {
            // Value and timestamp problems of parsing are already reported.
            if (!errors.Any(x => x.Field == error.Field)) errors.Add(error);
        }
        return errors.Count == 0 ? new Result(raw.UserId, e, errors) : new Result(raw.UserId, null, errors);
    }

    private readonly record struct Raw(string? UserId, string? ItemId, string? Type, string? Value, string? Timestamp, string? EventId);

    private static Raw FromFlat(IReadOnlyList<KeyValuePair<string, string>> fields)
    {
        string? Get(string name)
        {
            foreach (var f in fields) if (f.Key == name) return f.Value;
            return null;
        }
        return new Raw(Get("user_id"), Get("item_id"), Get("type"), Get("value"), Get("timestamp"), Get("event_id"));
    }

    private static Raw FromJson(string text, List<FieldError> errors)
    {
        try
        {
            using var doc = JsonDocument.Parse(text);
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
            {
                errors.Add(new FieldError(EventField, $"The '{EventField}' field must hold a JSON object, not {doc.RootElement.ValueKind}."));
                return default;
            }
            var root = doc.RootElement;
            return new Raw(Text(root, "user_id", errors), Text(root, "item_id", errors), Text(root, "type", errors),
                Text(root, "value", errors), Text(root, "timestamp", errors), Text(root, "event_id", errors));
        }
        catch (JsonException e)
        {
            errors.Add(new FieldError(EventField, $"The '{EventField}' field is not valid JSON: {e.Message}"));
            return default;
        }
    }

    /// <summary>A property as text: strings as they are, numbers in their JSON spelling; absent or null gives null.</summary>
    private static string? Text(JsonElement root, string name, List<FieldError> errors)
    {
        if (!root.TryGetProperty(name, out var p)) return null;
        switch (p.ValueKind)
        {
            case JsonValueKind.String: return p.GetString();
            case JsonValueKind.Number: return p.GetRawText();
            case JsonValueKind.Null: return null;
            default:
                errors.Add(new FieldError(name, $"{name} must be a string or a number, not {p.ValueKind}."));
                return null;
        }
    }

    private static bool TryParseTimestamp(string text, out long seconds)
    {
        if (long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out seconds)) return true;
        // Fractional unix seconds (e.g. 1700000000.25): the whole seconds before.
        if (decimal.TryParse(text, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var exact)
            && exact >= long.MinValue && exact <= long.MaxValue)
        {
            seconds = (long)decimal.Floor(exact);
            return true;
        }
        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AllowWhiteSpaces, out var at))
        {
            seconds = at.ToUnixTimeSeconds();
            return true;
        }
        return false;
    }

    private static string Clip(string s) => s.Length <= 40 ? s : s[..40] + "…";
}
