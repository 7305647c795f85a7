using System.Threading.RateLimiting;
using OrleansReco.Gateway.Hosting;

namespace OrleansReco.Gateway.Security;

/// <summary>
/// One token bucket per remote address for requests that carry no usable key (none, or an unknown one), so that
/// guessing keys or flooding without one costs the caller, not the cluster. The address is the connection's peer
/// (forwarded headers are not trusted: behind a proxy every keyless caller shares the proxy's bucket).
/// </summary>
public sealed class KeylessRateLimiter : IDisposable
{
    private readonly PartitionedRateLimiter<string> _limiter;

    public KeylessRateLimiter(GatewayOptions options) =>
        _limiter = PartitionedRateLimiter.Create<string, string>(address => RateLimitPartition.GetTokenBucketLimiter(address,
            _ => new TokenBucketRateLimiterOptions
            {
                TokenLimit = options.KeylessBurst,
                TokensPerPeriod = options.KeylessPermitsPerSecond,
                ReplenishmentPeriod = TimeSpan.FromSeconds(1),
                QueueLimit = 0,
                AutoReplenishment = true,
            }));

    /// <summary>
    /// Takes a token for the caller of <paramref name="context"/>; when none is left, answers 429 with
    /// <c>Retry-After</c> and returns false.
    /// </summary>
    public async Task<bool> TryAcquireAsync(HttpContext context)
    {
        string address = context.Connection.RemoteIpAddress?.ToString() ?? "unknown";
        using var lease = _limiter.AttemptAcquire(address);
        if (lease.IsAcquired) return true;
        await Http.Problems.WriteTooManyRequests(context, lease.TryGetMetadata(MetadataName.RetryAfter, out var after) ? after : TimeSpan.FromSeconds(1),
            "Too many requests without a valid API key from this address (Reco:Gateway:KeylessPermitsPerSecond and KeylessBurst); retry later with a key.");
        return false;
    }

    public void Dispose() => _limiter.Dispose();
}
