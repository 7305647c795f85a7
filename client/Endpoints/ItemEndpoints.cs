using System.Text.Json;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using OrleansReco.GrainInterfaces;
using OrleansReco.GrainInterfaces.Events;
using OrleansReco.Gateway.Hosting;
using OrleansReco.Gateway.Http;
using OrleansReco.Gateway.Security;

namespace OrleansReco.Gateway.Endpoints;

/// <summary>The catalogue: add or replace items (one or many), remove, read, browse.</summary>
public static class ItemEndpoints
{
    public const int DefaultListLimit = 50;
    public const int MaxListLimit = 1000;
    public const int MaxListOffset = 9_000;

    public static IEndpointRouteBuilder MapItemEndpoints(this IEndpointRouteBuilder app)
    {
        var read = app.MapGroup("/v1/items").RequireScope(ApiScope.Read).WithTags("items");
        read.MapGet("/{id}", GetAsync).WithSummary("An item as stored").Produces<ItemOutput>().ProducesProblem(StatusCodes.Status404NotFound);
        read.MapGet("/", ListAsync).WithSummary("Browse the catalogue by item id, optionally one category").Produces<ItemListOutput>().ProducesValidationProblem();

        var write = app.MapGroup("/v1/items").RequireScope(ApiScope.Catalogue).WithTags("items");
        write.MapPut("/{id}", PutAsync).WithSummary("Add or replace an item (searchable when the call returns)")
            .Accepts<ItemPutInput>("application/json").Produces<ItemUpserted>().Produces<ItemUpserted>(StatusCodes.Status201Created).ProducesValidationProblem();
        write.MapPost("/", PostAsync).WithSummary("Add or replace many items (all or nothing on validation)")
            .Accepts<ItemBatchInput>("application/json").Produces<ItemsUpserted>().ProducesValidationProblem();
        write.MapDelete("/{id}", DeleteAsync).WithSummary("Remove an item").Produces(StatusCodes.Status204NoContent).ProducesProblem(StatusCodes.Status404NotFound);
        return app;
    }

    private static ICatalogGrain Catalog(IGrainFactory grains) => grains.GetGrain<ICatalogGrain>(ItemSharding.DefaultCatalog);

    private static async Task<IResult> GetAsync(string id, IGrainFactory grains)
    {
        if (Ids.RouteProblem(id) is { } bad) return bad;
        var item = await Catalog(grains).GetItemAsync(id);
        return item is null ? Problems.NotFound($"Item '{id}' is not in the catalogue.") : Results.Ok(ItemOutput.From(item));
    }

    private static async Task<IResult> ListAsync(HttpRequest request, IGrainFactory grains,
        [FromQuery] string? category, [FromQuery] string? limit, [FromQuery] string? offset)
    {
        _ = (limit, offset);
        var errors = new List<FieldError>();
        int take = QueryValues.Integer(request.Query, "limit", errors, 1, MaxListLimit) ?? DefaultListLimit;
        int skip = QueryValues.Integer(request.Query, "offset", errors, 0, MaxListOffset) ?? 0;
        if (category is { Length: > InputLimits.MaxListValueLength })
            errors.Add(new FieldError("category", $"category has more than {InputLimits.MaxListValueLength} characters."));
        if (errors.Count > 0) return Problems.Validation(errors);
        var page = await Catalog(grains).ListItemsAsync(skip, take,
            string.IsNullOrWhiteSpace(category) ? null : FieldRule.Require(QueryInput.CategoryField, category.Trim()));
        return Results.Ok(new ItemListOutput(page.Items.Select(ItemOutput.From).ToArray(), page.Total, skip, take));
    }

    private static async Task<IResult> PutAsync(string id, HttpRequest request, IGrainFactory grains, IOptions<GatewayOptions> options)
    {
        var (item, error) = await JsonBody.ReadAsync(request, options.Value.MaxRequestBytes, (root, fields) =>
        {
            Ids.Check(id, "id", fields.Errors);
            return ReadItem(root, id, fields);
        });
        if (error is not null) return error;
        var result = await Catalog(grains).UpsertItemsAsync([item!]);
        if (result.Rejected > 0) return ShardFull(result);
        var body = new ItemUpserted(id, result.Added > 0);
        return result.Added > 0 ? Results.Created($"/v1/items/{Uri.EscapeDataString(id)}", body) : Results.Ok(body);
    }

    private static async Task<IResult> PostAsync(HttpRequest request, IGrainFactory grains, IOptions<GatewayOptions> options)
    {
        var o = options.Value;
        var (items, error) = await JsonBody.ReadAsync(request, o.MaxRequestBytes, (root, fields) => ReadItems(root, o, fields));
        if (error is not null) return error;
        var result = await Catalog(grains).UpsertItemsAsync(items.ToArray());
        return result.Rejected > 0 ? ShardFull(result) : Results.Ok(new ItemsUpserted(result.Added, result.Updated, 0));
    }

    private static async Task<IResult> DeleteAsync(string id, IGrainFactory grains)
    {
        if (Ids.RouteProblem(id) is { } bad) return bad;
        int removed = await Catalog(grains).RemoveItemsAsync([id]);
        return removed == 0 ? Problems.NotFound($"Item '{id}' is not in the catalogue.") : Results.NoContent();
    }

    /// <summary>The body of <c>PUT /v1/items/{id}</c> (documented by <see cref="ItemPutInput"/>).</summary>
    internal static CatalogItem? ReadItem(JsonElement root, string id, JsonFields fields) =>
        fields.RequireObject(root, "body") ? ParseItem(root, id, "", fields) : null;

    /// <summary>The body of <c>POST /v1/items</c> (documented by <see cref="ItemBatchInput"/>), or a bare array of items.</summary>
    internal static List<CatalogItem> ReadItems(JsonElement root, GatewayOptions o, JsonFields fields)
    {
        var items = new List<CatalogItem>();
        JsonElement array = root;
        if (root.ValueKind == JsonValueKind.Object && fields.Has(root, "items", "items", out var inner)) array = inner;
        if (array.ValueKind != JsonValueKind.Array)
        {
            fields.Add("items", $"Expected {{\"items\": [...]}} or a JSON array of items, got {JsonFields.Kind(array)}.");
            return items;
        }
        int count = array.GetArrayLength();
        if (count == 0 || count > o.MaxBatch)
        {
            fields.Add("items", $"Send 1 to {o.MaxBatch} items (Reco:Gateway:MaxBatch), not {count}.");
            return items;
        }
        int i = 0;
        foreach (var element in array.EnumerateArray())
        {
            string path = $"items[{i++}]";
            if (!fields.RequireObject(element, path)) continue;
            string? itemId = fields.String(element, "item_id", path + ".item_id", required: true);
            if (itemId is not null) Ids.Check(itemId, path + ".item_id", fields.Errors);
            if (ParseItem(element, itemId ?? "", path + ".", fields) is { } item) items.Add(item);
        }
        return items;
    }

    private static CatalogItem? ParseItem(JsonElement element, string itemId, string prefix, JsonFields fields)
    {
        var features = fields.StringMap(element, "features", prefix + "features");
        var metadata = fields.StringMap(element, "metadata", prefix + "metadata");
        bool available = fields.Boolean(element, "available", prefix + "available") ?? true;
        return new CatalogItem(itemId, features, available, metadata);
    }

    private static IResult ShardFull(UpsertResult result) => Problems.Status(StatusCodes.Status507InsufficientStorage, "Catalogue shard full",
        $"{result.Rejected} new items were refused because their shard holds its maximum (Reco:Shards:MaxItemsPerShard); {result.Added} added, {result.Updated} updated.");
}
