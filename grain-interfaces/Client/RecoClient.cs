using Microsoft.Extensions.DependencyInjection;

namespace OrleansReco.GrainInterfaces.Client;

/// <summary>The <see cref="IRecoClient"/> over grain calls.</summary>
public sealed class RecoClient(IGrainFactory grains, string catalog = ItemSharding.DefaultCatalog) : IRecoClient
{
    public string Catalog { get; } = string.IsNullOrWhiteSpace(catalog) ? throw new ArgumentException("A catalogue name is required.", nameof(catalog))
        : catalog.Contains(ItemSharding.RouteSeparator) ? throw new ArgumentException($"A catalogue name may not contain '{ItemSharding.RouteSeparator}'.", nameof(catalog))
        : catalog;

    private IRecommendGrain Recommender(string? spreadBy) => grains.Recommender(Catalog, spreadBy);
    private ICatalogGrain Items => grains.GetGrain<ICatalogGrain>(Catalog);

    public Task<EventAck> SendEventsAsync(string userId, params UserEvent[] events) =>
        grains.User(userId).RecordEventsAsync(events);

    public Task<UserEmbedding> SetProfileAsync(string userId, Dictionary<string, string> profile) =>
        grains.User(userId).SetProfileAsync(profile);

    public Task<Recommendations> RecommendAsync(string userId, RecommendQuery? query = null) =>
        Recommender(userId).RecommendAsync(userId, query ?? RecommendQuery.Default);

    public Task<Recommendations> RecommendForProfileAsync(Dictionary<string, string>? profile, UserEvent[]? recentEvents, RecommendQuery? query = null) =>
        Recommender(null).RecommendForProfileAsync(profile, recentEvents, query ?? RecommendQuery.Default);

    public Task<Recommendations> SimilarItemsAsync(string itemId, RecommendQuery? query = null) =>
        Recommender(itemId).SimilarItemsAsync(itemId, query ?? RecommendQuery.Default);

    public Task<ItemScore[]> ScoreAsync(string userId, params string[] itemIds) => Recommender(userId).ScoreAsync(userId, itemIds);

    public Task<UpsertResult> UpsertItemsAsync(params CatalogItem[] items) => Items.UpsertItemsAsync(items);

    public Task<int> RemoveItemsAsync(params string[] itemIds) => Items.RemoveItemsAsync(itemIds);
}

/// <summary>Registers <see cref="IRecoClient"/> for the default catalogue over the container's <see cref="IGrainFactory"/>.</summary>
public static class RecoClientServiceCollectionExtensions
{
    public static IServiceCollection AddRecoClient(this IServiceCollection services, string catalog = ItemSharding.DefaultCatalog) =>
        services.AddSingleton<IRecoClient>(sp => new RecoClient(sp.GetRequiredService<IGrainFactory>(), catalog));
}
