using System.Net.Http.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using OrleansReco.Embedded;

namespace OrleansReco.Gateway.Tests;

/// <summary>
/// The web UI in a real headless browser (Debian's chromium, driven by Playwright) against the gateway listening on
/// a real loopback port: clicking "purchase" on a recommended item changes the list; the API reference at /docs lists the operations.
/// </summary>
public sealed class WebUiTests : IAsyncLifetime
{
    private const string Chromium = "/usr/bin/chromium";
    private const string Key = "ui-test-admin-key-0123456789";
    private readonly string _modelPath = SmallModel.Write("ui-v1", seed: 5);
    private WebApplication _app = null!;
    private string _url = "";

    public async Task InitializeAsync()
    {
        var settings = GatewayFactoryBase.BaseSettings();
        settings["Reco:Model:Path"] = _modelPath;
        settings["Reco:Gateway:ApiKeys:4:Name"] = "ui";
        settings["Reco:Gateway:ApiKeys:4:Key"] = Key;
        settings["Reco:Gateway:ApiKeys:4:Scopes:0"] = "admin";
        _app = EmbeddedHost.Create([], builder =>
        {
            builder.Configuration.AddInMemoryCollection(settings);
            builder.WebHost.UseUrls("http://127.0.0.1:0");
        });
        await _app.StartAsync();
        _url = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();

        using var http = new HttpClient { BaseAddress = new Uri(_url) };
        http.DefaultRequestHeaders.Add("X-Api-Key", Key);
        var items = Enumerable.Range(0, 40).Select(i => new
        {
            item_id = $"shirt-{i:D2}",
            features = new Dictionary<string, string> { ["category"] = SmallModel.Categories[i % 3], ["price"] = (5 + i % 7).ToString() },
        });
        (await http.PostAsJsonAsync("/v1/items", new { items })).EnsureSuccessStatusCode();
        var events = new[] { "shirt-01", "shirt-04", "shirt-07" }.Select((id, i) => new { event_id = $"seed-{i}", user_id = "ui-user", item_id = id, type = "view" });
        (await http.PostAsJsonAsync("/v1/events", new { events })).EnsureSuccessStatusCode();
    }

    [Fact]
    public async Task ClickingPurchase_OnARecommendedItem_ChangesTheRecommendations()
    {
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await LaunchAsync(playwright);
        var page = await browser.NewPageAsync();
        await page.GotoAsync($"{_url}/?user=ui-user#key={Key}");

        var recommended = page.Locator("#recommendations li");
        await Assertions.Expect(recommended).ToHaveCountAsync(10);
        var before = await IdsAsync(recommended);
        await Assertions.Expect(page.Locator("#model-version")).ToContainTextAsync("ui-v1");
        Assert.DoesNotContain("shirt-04", before); // seen items are excluded
        await Assertions.Expect(recommended.First.Locator(".item-features")).ToContainTextAsync("category: "); // details from the catalogue

        string bought = before[0];
        await recommended.First.Locator("button[data-type=purchase]").ClickAsync();

        await Assertions.Expect(page.Locator("#history")).ToContainTextAsync($"purchase {bought}");
        await Assertions.Expect(recommended.First).Not.ToHaveAttributeAsync("data-item-id", bought);
        var after = await IdsAsync(recommended);
        Assert.DoesNotContain(bought, after);
        Assert.NotEqual(before, after);

        await Assertions.Expect(page.Locator("#catalogue li")).ToHaveCountAsync(20);
        await page.FillAsync("#category", "b");
        await page.ClickAsync("#browse-form button[type=submit]");
        await Assertions.Expect(page.Locator("#page-info")).ToContainTextAsync("of 13");
        await Assertions.Expect(page.Locator("#model")).ToContainTextAsync("current: ui-v1");

        // The admin key lives in this tab's sessionStorage only, also after it is typed in again.
        await page.FillAsync("#api-key", Key);
        await page.DispatchEventAsync("#api-key", "change");
        Assert.Equal(Key, await page.EvaluateAsync<string>("() => sessionStorage.getItem('reco.apiKey')"));
        Assert.Equal(0, await page.EvaluateAsync<int>("() => localStorage.length"));
    }

    [Fact]
    public async Task DocsPage_ListsTheOperationsAndTheKeyScheme()
    {
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await LaunchAsync(playwright);
        var page = await browser.NewPageAsync();
        await page.GotoAsync($"{_url}/docs");

        // The page renders from the OpenAPI document in the browser, which takes a while on a busy machine.
        var rendered = new LocatorAssertionsToBeVisibleOptions { Timeout = 60_000 };
        await Assertions.Expect(page.GetByRole(AriaRole.Link, new() { Name = "Record a batch of user events (all or nothing)" })).ToBeVisibleAsync(rendered);
        await Assertions.Expect(page.GetByRole(AriaRole.Button, new() { Name = "Selected Auth Type: ApiKey" })).ToBeVisibleAsync(rendered);
    }

    private static Task<IBrowser> LaunchAsync(IPlaywright playwright)
    {
        Assert.True(File.Exists(Chromium), $"{Chromium} is missing: install Debian's chromium (apt-get install -y chromium), as .ci/run does.");
        return playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = Chromium,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        });
    }

    private static async Task<List<string>> IdsAsync(ILocator items)
    {
        var ids = new List<string>();
        for (int i = 0; i < await items.CountAsync(); i++) ids.Add((await items.Nth(i).GetAttributeAsync("data-item-id"))!);
        return ids;
    }

    public async Task DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        File.Delete(_modelPath);
    }
}
