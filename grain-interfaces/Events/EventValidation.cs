namespace OrleansReco.GrainInterfaces.Events;

/// <summary>One problem with one field of an input, for error answers (HTTP 400 problem details, dead letters).</summary>
public sealed record FieldError(string Field, string Message);

/// <summary>
/// The rules every accepted event meets, whichever path it came by (HTTP batch, event stream): ids present and at
/// most <see cref="MaxIdLength"/> characters, a known event type, a finite value, a timestamp from 1970 on and not
/// later than the receiver gives (its clock plus <see cref="MaxFutureSkewKey"/>). The event types are the well-known
/// ones unless configured.
/// </summary>
public static class EventValidation
{
    public const int MaxIdLength = 256;

    /// <summary>view, click, add_to_cart, purchase, rating.</summary>
    public static readonly IReadOnlySet<string> DefaultTypes =
        new HashSet<string>(["view", "click", "add_to_cart", "purchase", "rating"], StringComparer.Ordinal);

    /// <summary>
    /// The problems of one event, each naming its field prefixed by <paramref name="path"/> (e.g. <c>events[3].</c>);
    /// empty when the event can be accepted.
    /// </summary>
    /// <remarks><paramref name="latest"/>: the latest timestamp accepted (see <see cref="Latest"/>).</remarks>
    public static List<FieldError> Check(string? userId, UserEvent? e, IReadOnlySet<string>? types = null, string path = "", long latest = MaxTimestamp)
    {
        var errors = new List<FieldError>();
        CheckId(userId, path + "user_id", errors);
        if (e is null)
        {
            errors.Add(new FieldError(path.TrimEnd('.'), "The event is missing."));
            return errors;
        }
        CheckId(e.ItemId, path + "item_id", errors);
        if (e.EventId is { } id && (id.Length == 0 || id.Length > MaxIdLength))
            errors.Add(new FieldError(path + "event_id", $"When given, event_id must have 1 to {MaxIdLength} characters."));
        var known = types ?? DefaultTypes;
        if (string.IsNullOrWhiteSpace(e.EventType))
            errors.Add(new FieldError(path + "type", "The event type is required."));
        else if (!known.Contains(e.EventType))
            errors.Add(new FieldError(path + "type", $"Unknown event type '{Clip(e.EventType)}'; known: {string.Join(", ", known.Order(StringComparer.Ordinal))}."));
        if (!float.IsFinite(e.Value))
            errors.Add(new FieldError(path + "value", "The value must be a finite number."));
        if (e.Timestamp < MinTimestamp)
            errors.Add(new FieldError(path + "timestamp", $"The timestamp {e.Timestamp} is before 1970-01-01 (unix seconds from {MinTimestamp})."));
        else if (e.Timestamp > Math.Min(latest, MaxTimestamp))
            errors.Add(new FieldError(path + "timestamp",
                $"The timestamp {e.Timestamp} is later than {Math.Min(latest, MaxTimestamp)}, the receiver's clock plus {MaxFutureSkewKey}."));
        return errors;
    }

    /// <summary>1970-01-01 and 9999-12-31 in unix seconds.</summary>
    public const long MinTimestamp = 0, MaxTimestamp = 253402300799;

    /// <summary>The setting of how far ahead of the receiver's clock an event's timestamp may be.</summary>
    public const string MaxFutureSkewKey = "Reco:Events:MaxFutureSkew";

    /// <summary>Default of <see cref="MaxFutureSkewKey"/>: one day.</summary>
    public static readonly TimeSpan DefaultMaxFutureSkew = TimeSpan.FromDays(1);

    /// <summary>The latest timestamp accepted at <paramref name="now"/> with <paramref name="maxFutureSkew"/>.</summary>
    public static long Latest(DateTimeOffset now, TimeSpan maxFutureSkew) =>
        Math.Min(MaxTimestamp, now.ToUnixTimeSeconds() + (long)maxFutureSkew.TotalSeconds);

    /// <summary>
    /// The rule for every id (user, item, model version; in an event, a path or a body): present, not only white space,
    /// at most <see cref="MaxIdLength"/> characters. Adds one error naming <paramref name="field"/> when it is broken.
    /// </summary>
    public static void CheckId(string? id, string field, List<FieldError> errors)
    {
        if (id is null) errors.Add(new FieldError(field, $"{field} is required."));
        else if (string.IsNullOrWhiteSpace(id)) errors.Add(new FieldError(field, $"{field} must not be empty."));
        else if (id.Length > MaxIdLength) errors.Add(new FieldError(field, $"{field} has {id.Length} characters; at most {MaxIdLength} are allowed."));
    }

    private static string Clip(string s) => s.Length <= 40 ? s : s[..40] + "…";
}
