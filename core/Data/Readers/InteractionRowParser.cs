namespace OrleansReco.Core.Data.Readers;

/// <summary>
/// Turns the fields of one interactions row into an <see cref="Interaction"/>. The event type defaults to
/// <c>rating</c> when the file has a rating column and no event_type column, else to <c>view</c>; names are mapped
/// through the schema's <c>event_types</c>, and otherwise matched to the well-known types regardless of case and
/// separators (<see cref="InteractionColumns.CanonicalEventType"/>). With both distinct_id and buyer_id, an empty
/// distinct id falls back to the buyer. The value is the rating (or value) when given, else 1; a <c>rating</c>
/// event must have one. Without a timestamp column an event's timestamp is its line (or row) number, so that
/// ordering by time keeps the order of the file.
/// </summary>
internal sealed class InteractionRowParser
{
    private readonly string _file;
    private readonly IReadOnlyList<string> _headers;
    private readonly int _user, _userFallback, _item, _event, _value, _time, _eventId;
    private readonly Dictionary<string, string> _eventNames = new(StringComparer.Ordinal);
    private readonly string _defaultEvent;
    private readonly DataSchema _schema;
    private readonly StringPool _pool = new();

    public InteractionRowParser(string file, IReadOnlyList<string> headers, IReadOnlyDictionary<string, int> map, DataSchema schema)
    {
        _file = file;
        _headers = headers;
        _schema = schema;
        _user = map[InteractionColumns.UserId];
        _userFallback = map.GetValueOrDefault(InteractionColumns.UserIdFallback, -1);
        _item = map[InteractionColumns.ItemId];
        _event = map.GetValueOrDefault(InteractionColumns.EventType, -1);
        _value = map.TryGetValue(InteractionColumns.Rating, out int r) ? r : map.GetValueOrDefault(InteractionColumns.Value, -1);
        _time = map.GetValueOrDefault(InteractionColumns.Timestamp, -1);
        _eventId = map.GetValueOrDefault(InteractionColumns.EventId, -1);
        _defaultEvent = map.ContainsKey(InteractionColumns.Rating) ? EventTypes.Rating : EventTypes.View;
        if (map.ContainsKey(InteractionColumns.Rating) && map.ContainsKey(InteractionColumns.Value))
            throw new DataFormatException(file, 1, headers[map[InteractionColumns.Value]], "the file has both 'rating' and 'value'; keep one");
    }

    public delegate ReadOnlySpan<char> FieldAt(int index);

    /// <summary>True when the file has a timestamp column; otherwise timestamps are line numbers.</summary>
    public bool HasTimestamps => _time >= 0;

    /// <summary>Parses one row; on failure <paramref name="error"/> names the line and the field.</summary>
    public bool TryParse(FieldAt field, long line, out Interaction interaction, out DataFormatException? error)
    {
        interaction = default;
        error = null;
        var user = field(_user).Trim();
        if (user.IsEmpty && _userFallback >= 0) user = field(_userFallback).Trim();
        if (user.IsEmpty) { error = Error(line, _user, "the user id is empty"); return false; }
        var item = field(_item).Trim();
        if (item.IsEmpty) { error = Error(line, _item, "the item id is empty"); return false; }

        string eventType = _defaultEvent;
        if (_event >= 0 && field(_event).Trim() is { IsEmpty: false } e)
            eventType = EventName(_pool.Get(e));

        float value = 1f;
        var v = _value >= 0 ? field(_value).Trim() : default;
        if (!v.IsEmpty && !ValueParsers.TryParseFloat(v, out value))
        {
            error = Error(line, _value, $"{ValueParsers.Quote(v)} is not a number");
            return false;
        }
        if (v.IsEmpty && eventType == EventTypes.Rating)
        {
            error = _value >= 0
                ? Error(line, _value, "a rating event needs a rating")
                : new DataFormatException(_file, line, _headers[_event >= 0 ? _event : _item].Trim(), "a rating event needs a rating column");
            return false;
        }

        long time = line;
        if (_time >= 0)
        {
            var t = field(_time).Trim();
            if (t.IsEmpty) { error = Error(line, _time, "the timestamp is empty"); return false; }
            if (!ValueParsers.TryParseTimestamp(t, out time))
            {
                error = Error(line, _time, $"{ValueParsers.Quote(t)} is not a unix time or ISO 8601 date");
                return false;
            }
        }

        string? eventId = _eventId >= 0 && field(_eventId).Trim() is { IsEmpty: false } id ? new string(id) : null;
        interaction = new Interaction(_pool.Get(user), _pool.Get(item), eventType, value, time, eventId);
        return true;
    }

    /// <summary>A source event name mapped by the schema, else matched to a well-known type; cached per distinct name.</summary>
    private string EventName(string raw)
    {
        if (_eventNames.TryGetValue(raw, out var known)) return known;
        string mapped = _schema.EventTypes.TryGetValue(raw, out var declared) ? declared : InteractionColumns.CanonicalEventType(raw);
        return _eventNames[raw] = _pool.Get(mapped);
    }

    private DataFormatException Error(long line, int column, string problem) =>
        new(_file, line, _headers[column].Trim(), problem);
}
