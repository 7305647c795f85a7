using System.Collections.Concurrent;
using System.Diagnostics;

namespace OrleansReco.Gateway.Tests;

/// <summary>A request's trace continues through the grain calls it makes (W3C trace context in, Orleans spans under it).</summary>
[Collection(GatewayCollection.Name)]
public sealed class TracingTests(GatewayFixture fx)
{
    [Fact]
    public async Task Recommendation_TraceFromTheHttpRequest_ReachesTheGrainCalls()
    {
        var traceId = ActivityTraceId.CreateRandom();
        var seen = new ConcurrentBag<(string Source, string Name, ActivityTraceId Trace)>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = s => s.Name.StartsWith("Microsoft.Orleans", StringComparison.Ordinal) || s.Name == "OrleansReco",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = a => seen.Add((a.Source.Name, a.OperationName, a.TraceId)),
        };
        ActivitySource.AddActivityListener(listener);
        using var client = fx.Factory.Client(GatewayFactory.ReadKey);
        using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/users/trace-user/recommendations?k=3");
        request.Headers.Add("traceparent", $"00-{traceId}-{ActivitySpanId.CreateRandom()}-01");

        var response = await client.SendAsync(request);

        response.EnsureSuccessStatusCode();
        var inTrace = seen.Where(s => s.Trace == traceId).ToList();
        Assert.Contains(inTrace, s => s.Source.StartsWith("Microsoft.Orleans", StringComparison.Ordinal) && s.Name.Contains("IRecommendGrain", StringComparison.Ordinal));
        Assert.Contains(inTrace, s => s.Source.StartsWith("Microsoft.Orleans", StringComparison.Ordinal) && s.Name.Contains("IItemShardGrain", StringComparison.Ordinal));
    }
}
