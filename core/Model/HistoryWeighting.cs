using System.Text.Json.Serialization;
using OrleansReco.Core.Data;

namespace OrleansReco.Core.Model;

/// <summary>
/// How a user's recent events are weighted in the history mean: a weight per event type (a rating is also
/// multiplied by its value) times a recency decay with a half-life, normalised to sum 1. With
/// <see cref="RecentHalfLifeEvents"/>, a second, short-term mean over the same window weighs events by their place
/// from the newest instead of their age in time.
/// </summary>
public sealed class HistoryWeighting
{
    public Dictionary<string, float> EventWeights { get; init; } = Defaults();
    /// <summary>Weight of an event type missing from <see cref="EventWeights"/>.</summary>
    public float DefaultWeight { get; init; } = 1f;
    /// <summary>Recency half-life in seconds; 0 turns decay off.</summary>
    public double HalfLifeSeconds { get; init; } = 30 * 86400;
    /// <summary>Most recent events used (N).</summary>
    public int Length { get; init; } = 50;
    /// <summary>
    /// Half-life, in events, of the short-term mean the user tower takes beside the long-term one (the newest event
    /// weighs 1, the one before 2^(-1/h), ...; times the type weight); 0 = no short-term mean (bundles written before
    /// this field existed).
    /// </summary>
    public double RecentHalfLifeEvents { get; init; }

    /// <summary>Whether the user tower takes the short-term mean too (<see cref="RecentHalfLifeEvents"/> &gt; 0).</summary>
    [JsonIgnore] public bool HasRecent => RecentHalfLifeEvents > 0;

    public static Dictionary<string, float> Defaults() => new(StringComparer.Ordinal)
    {
        [EventTypes.View] = 1f,
        [EventTypes.Click] = 2f,
        [EventTypes.AddToCart] = 5f,
        [EventTypes.Purchase] = 10f,
        [EventTypes.Rating] = 1f,
    };

    public void Validate(string where)
    {
        if (Length <= 0) throw new InvalidDataException($"{where}.length {Length} must be positive.");
        if (!(HalfLifeSeconds >= 0)) throw new InvalidDataException($"{where}.halfLifeSeconds {HalfLifeSeconds} is invalid.");
        if (!(RecentHalfLifeEvents >= 0) || double.IsInfinity(RecentHalfLifeEvents))
            throw new InvalidDataException($"{where}.recentHalfLifeEvents {RecentHalfLifeEvents} must be 0 (none) or a positive number of events.");
        foreach (var (k, v) in EventWeights)
            if (!(v >= 0) || !float.IsFinite(v)) throw new InvalidDataException($"{where}.eventWeights['{k}'] = {v} is invalid.");
    }

    /// <summary>Weight of one event before decay and normalisation (never negative).</summary>
    public float TypeWeight(string eventType, float value)
    {
        float w = EventWeights.TryGetValue(eventType, out float known) ? known : DefaultWeight;
        if (string.Equals(eventType, EventTypes.Rating, StringComparison.Ordinal)) w *= Math.Max(value, 0f);
        return w;
    }

    /// <summary>
    /// Final weights of a window of events (any order): <c>w[i] = type[i] · 2^(-(tMax - t[i]) / halfLife)</c>, divided
    /// by their sum. Decay is measured from the newest event of the window, which after normalisation equals
    /// decay from any "now" and cannot underflow. All-zero type weights give all-zero weights.
    /// </summary>
    public void Normalised(ReadOnlySpan<float> typeWeights, ReadOnlySpan<long> timestamps, Span<float> weights)
    {
        if (typeWeights.Length != timestamps.Length || weights.Length < typeWeights.Length)
            throw new ArgumentException("Type weights, timestamps and weights must have matching lengths.");
        int n = typeWeights.Length;
        if (n == 0) return;
        long newest = long.MinValue;
        foreach (long t in timestamps) newest = Math.Max(newest, t);
        double sum = 0;
        for (int i = 0; i < n; i++)
        {
            double w = typeWeights[i];
            if (HalfLifeSeconds > 0) w *= Math.Pow(2.0, -(newest - timestamps[i]) / HalfLifeSeconds);
            weights[i] = (float)w;
            sum += w;
        }
        float scale = sum > 0 ? (float)(1.0 / sum) : 0f;
        for (int i = 0; i < n; i++) weights[i] *= scale;
    }

    /// <summary>
    /// Weights of the short-term mean over a window of events oldest first:
    /// <c>w[i] = type[i] · 2^(-(n - 1 - i) / RecentHalfLifeEvents)</c>, divided by their sum (all zero when every type
    /// weight is zero).
    /// </summary>
    public void RecentNormalised(ReadOnlySpan<float> typeWeights, Span<float> weights)
    {
        if (weights.Length < typeWeights.Length) throw new ArgumentException("Weights must be at least as long as the type weights.", nameof(weights));
        if (!HasRecent) throw new InvalidOperationException("This weighting has no short-term mean (RecentHalfLifeEvents is 0).");
        int n = typeWeights.Length;
        double sum = 0;
        for (int i = 0; i < n; i++)
        {
            double w = typeWeights[i] * Math.Pow(2.0, -(n - 1 - i) / RecentHalfLifeEvents);
            weights[i] = (float)w;
            sum += w;
        }
        float scale = sum > 0 ? (float)(1.0 / sum) : 0f;
        for (int i = 0; i < n; i++) weights[i] *= scale;
    }
}

/// <summary>One past event of a user as serving sees it (oldest first in a history).</summary>
public readonly record struct HistoryEvent(string ItemId, string EventType, float Value, long Timestamp);
