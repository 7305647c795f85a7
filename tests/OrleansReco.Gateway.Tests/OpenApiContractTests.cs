using System.Reflection;
using System.Text.Json;
using System.Text.RegularExpressions;
using OrleansReco.Gateway.Endpoints;
using OrleansReco.Gateway.Hosting;
using OrleansReco.Gateway.Http;

namespace OrleansReco.Gateway.Tests;

/// <summary>
/// The OpenAPI document as a contract: the build's document matches the reviewed snapshot, declares the key and each
/// operation's scope, and the hand-written body readers accept exactly the fields of the records that document them.
/// </summary>
[Collection(GatewayCollection.Name)]
public sealed partial class OpenApiContractTests(GatewayFixture fx)
{
    private const string Snapshot = "client/openapi.json";
    private const string Generated = "client/obj/openapi/openapi.json";

    private static string Read(string relative)
    {
        string path = Path.Combine(BuildOutput.Root.FullName, relative);
        Assert.True(File.Exists(path), $"{relative} is missing; build the gateway (dotnet build client -c Release), which writes {Generated}.");
        return File.ReadAllText(path).ReplaceLineEndings("\n").TrimEnd();
    }

    [Fact]
    public void BuildDocument_MatchesTheCheckedInSnapshot()
    {
        string generated = Read(Generated), snapshot = Read(Snapshot);
        Assert.True(generated == snapshot,
            $"The OpenAPI document the build wrote ({Generated}) differs from the snapshot ({Snapshot}): an endpoint or a request/answer record "
            + $"changed. Review the change with `diff -u {Snapshot} {Generated}`; if it is intended, update the snapshot with "
            + $"`dotnet build client -c Release && cp {Generated} {Snapshot}` and commit it.");
    }

    [Fact]
    public async Task ServedDocument_IsTheBuildDocument()
    {
        using var client = fx.Factory.Client(key: null);
        string served = JsonSerializer.Serialize(JsonDocument.Parse(await client.GetStringAsync("/openapi/v1.json")).RootElement);
        string built = JsonSerializer.Serialize(JsonDocument.Parse(Read(Generated)).RootElement);
        Assert.Equal(built, served);
    }

    [Fact]
    public void Document_DeclaresTheKeySchemeAndEachOperationsScope()
    {
        using var document = JsonDocument.Parse(Read(Snapshot));
        var scheme = document.RootElement.GetProperty("components").GetProperty("securitySchemes").GetProperty(OpenApiContract.SchemeName);
        Assert.Equal("apiKey", scheme.GetProperty("type").GetString());
        Assert.Equal("header", scheme.GetProperty("in").GetString());
        Assert.Equal("X-Api-Key", scheme.GetProperty("name").GetString());

        var described = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var path in document.RootElement.GetProperty("paths").EnumerateObject())
            foreach (var operation in path.Value.EnumerateObject())
            {
                string route = $"{operation.Name.ToUpperInvariant()} {path.Name}";
                string scope = operation.Value.GetProperty(OpenApiContract.ScopeExtension).GetString()!;
                described[route] = scope;
                bool secured = operation.Value.TryGetProperty("security", out var security)
                    && security.EnumerateArray().Any(r => r.TryGetProperty(OpenApiContract.SchemeName, out _));
                Assert.True(secured == (scope != "none"), $"{route}: x-scope {scope}, security requirement {(secured ? "present" : "absent")}.");
            }
        // Every /v1 operation is described, with the scope the route really needs.
        var expected = ApiSurfaceTests.ExpectedScopes.Where(p => p.Key.Contains(" /v1/", StringComparison.Ordinal))
            .ToDictionary(p => p.Key.TrimEnd('/'), p => p.Value, StringComparer.Ordinal);
        Assert.Equal(expected.OrderBy(p => p.Key, StringComparer.Ordinal), described.OrderBy(p => p.Key, StringComparer.Ordinal));
    }

    /// <summary>A request record and the reader of that body, run on a body that reaches every nested reader.</summary>
    public static TheoryData<string> Bodies => new() { "events", "recommendations", "encode", "scores", "items", "item", "profile", "publish" };

    private static (Type Record, Action<JsonElement, JsonFields> Reader, string Body) Case(string name)
    {
        var o = new GatewayOptions();
        return name switch
        {
            "events" => (typeof(EventBatchInput), (r, f) => EventReader.ReadBatch(r, o.MaxBatch, f, 0), """{"events":[{}]}"""),
            "recommendations" => (typeof(ProfileRecommendInput), (r, f) => RecommendationEndpoints.ReadProfileRecommend(r, o, f), """{"recent_events":[{}]}"""),
            "encode" => (typeof(EncodeInput), (r, f) => RecommendationEndpoints.ReadEncode(r, o, f), """{"recent_events":[{}]}"""),
            "scores" => (typeof(ScoresInput), (r, f) => RecommendationEndpoints.ReadScores(r, o, f), "{}"),
            "items" => (typeof(ItemBatchInput), (r, f) => ItemEndpoints.ReadItems(r, o, f), """{"items":[{}]}"""),
            "item" => (typeof(ItemPutInput), (r, f) => ItemEndpoints.ReadItem(r, "item-1", f), "{}"),
            "profile" => (typeof(ProfileInput), (r, f) => UserEndpoints.ReadProfile(r, f), "{}"),
            "publish" => (typeof(PublishInput), (r, f) => ModelEndpoints.ReadPublish(r, f), "{}"),
            _ => throw new ArgumentOutOfRangeException(nameof(name)),
        };
    }

    [Theory]
    [MemberData(nameof(Bodies))]
    public void Reader_AcceptsExactlyTheFieldsOfItsRecord(string body)
    {
        var (record, reader, json) = Case(body);
        var fields = new JsonFields();
        using var document = JsonDocument.Parse(json);
        reader(document.RootElement, fields);

        var read = fields.Asked.Select(p => Index().Replace(p, "")).ToHashSet(StringComparer.Ordinal);
        var documented = Fields(record, "").ToHashSet(StringComparer.Ordinal);
        Assert.True(read.SetEquals(documented),
            $"The reader of {record.Name} and the record disagree. Read but not in the record: [{string.Join(", ", read.Except(documented).Order())}]; "
            + $"in the record but never read: [{string.Join(", ", documented.Except(read).Order())}].");
    }

    /// <summary>The record's JSON names (snake_case), with the fields of arrays of nested request records as <c>outer.inner</c>.
    /// Rules are read whole by the rule parser (core's RuleSet), so their inner fields are not listed.</summary>
    private static IEnumerable<string> Fields(Type record, string prefix)
    {
        foreach (var p in record.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.Name != "EqualityContract"))
        {
            string name = prefix + JsonNamingPolicy.SnakeCaseLower.ConvertName(p.Name);
            yield return name;
            var element = p.PropertyType.IsArray ? p.PropertyType.GetElementType()! : null;
            if (element is not null && element != typeof(RuleInput) && element.Namespace == typeof(EventInput).Namespace && element.Name.EndsWith("Input", StringComparison.Ordinal))
                foreach (var inner in Fields(element, name + "."))
                    yield return inner;
        }
    }

    [GeneratedRegex(@"\[\d+\]")]
    private static partial Regex Index();
}
