using System.Text.Json;

namespace OrleansReco.Core.Data.Readers;

/// <summary>
/// Declared feature types and event-type names, read from a JSON schema file. A declaration overrides type
/// inference; columns not mentioned are inferred. The file looks like this (every section is optional):
/// <code>
/// {
///   "users": { "age_group": "categorical", "income": "numeric" },
///   "items": { "title": "text", "description": "text", "genres": "multi", "price": "numeric" },
///   "event_types": { "like": "purchase", "basket": "add_to_cart" }
/// }
/// </code>
/// Kinds are <c>numeric</c>, <c>categorical</c>, <c>multi</c> (also <c>multi_categorical</c>: values separated by
/// <c>|</c>) and <c>text</c>. <c>event_types</c> maps names found in the <c>event_type</c> column to the names the
/// system uses (view, click, add_to_cart, purchase, rating, or any other); unmapped names are kept as they are.
/// A column declared here that the file does not have is an error, so a typo does not go unnoticed.
/// </summary>
public sealed class DataSchema
{
    public static DataSchema Empty { get; } = new(new Dictionary<string, FeatureKind>(), new Dictionary<string, FeatureKind>(), new Dictionary<string, string>(), null);

    public DataSchema(
        IReadOnlyDictionary<string, FeatureKind> users,
        IReadOnlyDictionary<string, FeatureKind> items,
        IReadOnlyDictionary<string, string> eventTypes,
        string? fileName)
    {
        Users = users;
        Items = items;
        EventTypes = eventTypes;
        FileName = fileName;
    }

    public IReadOnlyDictionary<string, FeatureKind> Users { get; }
    public IReadOnlyDictionary<string, FeatureKind> Items { get; }

    /// <summary>Source event name → name used by the system.</summary>
    public IReadOnlyDictionary<string, string> EventTypes { get; }

    /// <summary>File the schema came from, for messages; null when built in code.</summary>
    public string? FileName { get; }

    /// <summary>Reads a schema file; a malformed one raises <see cref="DataFormatException"/> naming the entry.</summary>
    public static DataSchema Load(string path)
    {
        string file = Path.GetFileName(path);
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(File.ReadAllText(path), new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        }
        catch (JsonException e)
        {
            throw new DataFormatException(file, e.LineNumber + 1, null, $"not valid JSON: {e.Message}", e);
        }
        using (doc)
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
                throw new DataFormatException(file, null, null, "the schema must be a JSON object with 'users', 'items' and/or 'event_types'");
            var users = new Dictionary<string, FeatureKind>(StringComparer.Ordinal);
            var items = new Dictionary<string, FeatureKind>(StringComparer.Ordinal);
            var events = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var section in doc.RootElement.EnumerateObject())
            {
                switch (section.Name)
                {
                    case "users": ReadKinds(file, section, users); break;
                    case "items": ReadKinds(file, section, items); break;
                    case "event_types":
                        foreach (var entry in Members(file, section))
                            events[entry.Name] = entry.Value.ValueKind == JsonValueKind.String && entry.Value.GetString() is { Length: > 0 } to
                                ? to
                                : throw new DataFormatException(file, null, $"event_types.{entry.Name}", "must map to a non-empty event type name");
                        break;
                    default:
                        throw new DataFormatException(file, null, section.Name, "unknown section; expected 'users', 'items' or 'event_types'");
                }
            }
            return new DataSchema(users, items, events, file);
        }
    }

    /// <summary>Parses a kind name (numeric, categorical, multi, multi_categorical, text), case-insensitive.</summary>
    public static bool TryParseKind(string? name, out FeatureKind kind)
    {
        switch (name?.Trim().ToLowerInvariant().Replace("-", "_"))
        {
            case "numeric" or "number": kind = FeatureKind.Numeric; return true;
            case "categorical" or "category": kind = FeatureKind.Categorical; return true;
            case "multi" or "multi_categorical" or "multicategorical": kind = FeatureKind.MultiCategorical; return true;
            case "text": kind = FeatureKind.Text; return true;
            default: kind = default; return false;
        }
    }

    /// <summary>A schema declaring the kinds of the given tables' feature columns, plus an optional event-type map.</summary>
    public static DataSchema FromTables(FeatureTable? users, FeatureTable? items, IReadOnlyDictionary<string, string>? eventTypes = null)
    {
        static Dictionary<string, FeatureKind> Kinds(FeatureTable? table) =>
            table?.Columns.ToDictionary(c => c.Name, c => c.Kind, StringComparer.Ordinal) ?? new Dictionary<string, FeatureKind>(StringComparer.Ordinal);
        return new DataSchema(Kinds(users), Kinds(items),
            eventTypes is null ? new Dictionary<string, string>(StringComparer.Ordinal) : new Dictionary<string, string>(eventTypes, StringComparer.Ordinal), null);
    }

    /// <summary>Writes the schema as JSON in the layout <see cref="Load"/> reads.</summary>
    public void Save(Stream stream)
    {
        using var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true });
        json.WriteStartObject();
        WriteKinds(json, "users", Users);
        WriteKinds(json, "items", Items);
        if (EventTypes.Count > 0)
        {
            json.WriteStartObject("event_types");
            foreach (var (from, to) in EventTypes) json.WriteString(from, to);
            json.WriteEndObject();
        }
        json.WriteEndObject();
    }

    /// <summary>The schema file's name for a kind: numeric, categorical, multi or text.</summary>
    public static string KindName(FeatureKind kind) => kind switch
    {
        FeatureKind.Numeric => "numeric",
        FeatureKind.Categorical => "categorical",
        FeatureKind.MultiCategorical => "multi",
        FeatureKind.Text => "text",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };

    private static void WriteKinds(Utf8JsonWriter json, string section, IReadOnlyDictionary<string, FeatureKind> kinds)
    {
        if (kinds.Count == 0) return;
        json.WriteStartObject(section);
        foreach (var (column, kind) in kinds) json.WriteString(column, KindName(kind));
        json.WriteEndObject();
    }

    /// <summary>Maps a source event name through <see cref="EventTypes"/>.</summary>
    public string MapEventType(string name) => EventTypes.TryGetValue(name, out var mapped) ? mapped : name;

    private static void ReadKinds(string file, JsonProperty section, Dictionary<string, FeatureKind> into)
    {
        foreach (var column in Members(file, section))
        {
            string? kindName = column.Value.ValueKind == JsonValueKind.String ? column.Value.GetString() : null;
            if (!TryParseKind(kindName, out var kind))
                throw new DataFormatException(file, null, $"{section.Name}.{column.Name}",
                    $"'{column.Value}' is not a feature kind; use numeric, categorical, multi or text");
            into[column.Name] = kind;
        }
    }

    private static JsonElement.ObjectEnumerator Members(string file, JsonProperty section) =>
        section.Value.ValueKind == JsonValueKind.Object
            ? section.Value.EnumerateObject()
            : throw new DataFormatException(file, null, section.Name, "must be a JSON object of column name to kind");
}
