using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace OrleansReco.Gateway.Http;

/// <summary>The gateway's meter <c>OrleansReco.Gateway</c>: requests by route and status, latency, events accepted and rejected.</summary>
public sealed class GatewayMetrics
{
    public const string MeterName = "OrleansReco.Gateway";

    private readonly Counter<long> _requests;
    private readonly Histogram<double> _duration;
    private readonly Counter<long> _eventsAccepted;
    private readonly Counter<long> _eventsDuplicate;
    private readonly Counter<long> _eventsRejected;

    public GatewayMetrics(IMeterFactory meters)
    {
        var meter = meters.Create(MeterName);
        _requests = meter.CreateCounter<long>("reco.gateway.requests", "{request}", "HTTP requests answered, by route, method and status");
        _duration = meter.CreateHistogram<double>("reco.gateway.request.duration", "s", "Time to answer an HTTP request",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] });
        _eventsAccepted = meter.CreateCounter<long>("reco.gateway.events.accepted", "{event}", "Events persisted by their user grain");
        _eventsDuplicate = meter.CreateCounter<long>("reco.gateway.events.duplicates", "{event}", "Events ignored because their id was seen");
        _eventsRejected = meter.CreateCounter<long>("reco.gateway.events.rejected", "{event}", "Events in batches refused as invalid (all-or-nothing)");
    }

    public void Request(string route, string method, int status, double seconds)
    {
        var tags = new TagList { { "http.route", route }, { "http.request.method", method }, { "http.response.status_code", status } };
        _requests.Add(1, tags);
        _duration.Record(seconds, tags);
    }

    public void Events(int accepted, int duplicates)
    {
        if (accepted > 0) _eventsAccepted.Add(accepted);
        if (duplicates > 0) _eventsDuplicate.Add(duplicates);
    }

    public void EventsRejected(int count)
    {
        if (count > 0) _eventsRejected.Add(count);
    }
}

/// <summary>Counts every routed request by its route template (not the raw path, which would explode the series). Runs after routing.</summary>
public sealed class GatewayMetricsMiddleware(RequestDelegate next, GatewayMetrics metrics)
{
    public async Task InvokeAsync(HttpContext context)
    {
        long start = Stopwatch.GetTimestamp();
        string route = (context.GetEndpoint() as RouteEndpoint)?.RoutePattern.RawText ?? "(unmatched)";
        int? failed = null;
        try
        {
            await next(context);
        }
        catch (Exception e)
        {
            // The exception handler (outside this middleware) answers with the same classification.
            failed = GatewayExceptionHandler.Classify(e).Status;
            throw;
        }
        finally
        {
            metrics.Request(route, MethodTag(context.Request.Method), failed ?? context.Response.StatusCode, Stopwatch.GetElapsedTime(start).TotalSeconds);
        }
    }

    /// <summary>The method as a tag value: the standard methods by name, any other as <c>_OTHER</c> (as ASP.NET Core's
    /// own meter does), so that made-up methods cannot multiply the series.</summary>
    public static string MethodTag(string method) =>
        HttpMethods.IsGet(method) ? HttpMethods.Get
        : HttpMethods.IsPost(method) ? HttpMethods.Post
        : HttpMethods.IsPut(method) ? HttpMethods.Put
        : HttpMethods.IsDelete(method) ? HttpMethods.Delete
        : HttpMethods.IsPatch(method) ? HttpMethods.Patch
        : HttpMethods.IsHead(method) ? HttpMethods.Head
        : HttpMethods.IsOptions(method) ? HttpMethods.Options
        : HttpMethods.IsTrace(method) ? HttpMethods.Trace
        : HttpMethods.IsConnect(method) ? HttpMethods.Connect
        : "_OTHER";
}
