using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace OrleansReco.Gateway.Tests;

/// <summary>Small helpers: send raw JSON, read JSON, check a problem answer names a field.</summary>
public static class Http
{
    public static Task<HttpResponseMessage> SendJsonAsync(this HttpClient client, HttpMethod method, string url, string json, string contentType = "application/json") =>
        client.SendAsync(new HttpRequestMessage(method, url) { Content = new StringContent(json, Encoding.UTF8, MediaTypeHeaderValue.Parse(contentType)) });

    public static Task<HttpResponseMessage> PostJsonAsync(this HttpClient client, string url, string json) => client.SendJsonAsync(HttpMethod.Post, url, json);

    public static Task<HttpResponseMessage> PutJsonAsync(this HttpClient client, string url, string json) => client.SendJsonAsync(HttpMethod.Put, url, json);

    public static async Task<JsonElement> JsonAsync(this HttpResponseMessage response, HttpStatusCode expected = HttpStatusCode.OK)
    {
        string body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"Expected {(int)expected}, got {(int)response.StatusCode}: {body}");
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    /// <summary>Asserts a problem+json answer with <paramref name="status"/>; with <paramref name="field"/>, that <c>errors</c> names it.</summary>
    public static async Task<JsonElement> AssertProblemAsync(this HttpResponseMessage response, HttpStatusCode status, string? field = null)
    {
        string body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"Expected {(int)status}, got {(int)response.StatusCode}: {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonDocument.Parse(body).RootElement.Clone();
        Assert.Equal((int)status, problem.GetProperty("status").GetInt32());
        if (field is not null)
        {
            Assert.True(problem.TryGetProperty("errors", out var errors), $"No errors in: {body}");
            Assert.True(errors.TryGetProperty(field, out _), $"Field '{field}' not named in: {body}");
        }
        return problem;
    }

    public static string[] Strings(this JsonElement array, string property) =>
        array.EnumerateArray().Select(e => e.GetProperty(property).GetString()!).ToArray();
}
