using Microsoft.Extensions.Logging;
using OrleansReco.GrainInterfaces;

namespace OrleansReco.Grains.Recommend;

/// <summary>The answers that arrived before the deadline, and whether every shard answered.</summary>
internal sealed record FanOutResult(IReadOnlyList<ShardAnswer> Answers, int[] AnsweredShards, bool Partial);

/// <summary>Sends one query to every shard of a catalogue at once and keeps what arrives before the deadline.</summary>
internal static partial class ShardFanOut
{
    /// <summary>
    /// Queries every shard (shard s runs <paramref name="queries"/>[s]) and waits at most <paramref name="deadline"/>;
    /// shards still searching then are cancelled (their answers would be dropped anyway, and a queued search would
    /// otherwise still run and hold the shard).
    /// </summary>
    public static async Task<FanOutResult> QueryAsync(
        IGrainFactory grains, string catalog, IReadOnlyList<ShardQuery> queries, TimeSpan deadline, ILogger logger)
    {
        int shardCount = queries.Count;
        using var late = new CancellationTokenSource();
        var calls = new Task<ShardAnswer>[shardCount];
        for (int s = 0; s < shardCount; s++) calls[s] = grains.Shard(catalog, s).SearchAsync(queries[s], late.Token);
        var all = Task.WhenAll(calls);
        try
        {
            await all.WaitAsync(deadline);
        }
        catch (TimeoutException)
        {
            // Late shards are left out; the answer is flagged partial below.
        }
        catch (Exception) when (all.IsFaulted)
        {
            // A failed shard is treated like a late one: the answer is partial, not failed.
        }
        if (!all.IsCompleted)
        {
            late.Cancel();
            _ = all.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
        }

        var answers = new List<ShardAnswer>(shardCount);
        var answered = new int[shardCount];
        int count = 0;
        for (int s = 0; s < shardCount; s++)
        {
            var call = calls[s];
            if (call.IsCompletedSuccessfully)
            {
                answers.Add(call.Result);
                answered[count++] = s;
            }
            else if (call.IsFaulted && call.Exception!.GetBaseException() is not OperationCanceledException)
                LogShardFailed(logger, call.Exception.GetBaseException(), catalog, s);
            else LogShardLate(logger, catalog, s, deadline.TotalMilliseconds);
        }
        return new FanOutResult(answers, count == shardCount ? answered : answered[..count], count < shardCount);
    }

    /// <summary>
    /// Keeps only the answers computed with <paramref name="version"/> (the query vector's model), so that one answer
    /// never mixes versions; a shard still on another version (its silo has not loaded the new model yet) counts as
    /// missing, and the answer is partial.
    /// </summary>
    public static FanOutResult SameVersion(FanOutResult result, string version, string catalog, ILogger logger)
    {
        if (result.Answers.All(a => string.Equals(a.ModelVersion, version, StringComparison.Ordinal))) return result;
        var kept = new List<ShardAnswer>(result.Answers.Count);
        foreach (var answer in result.Answers)
        {
            if (string.Equals(answer.ModelVersion, version, StringComparison.Ordinal)) kept.Add(answer);
            else LogOtherVersion(logger, catalog, answer.Shard, answer.ModelVersion, version);
        }
        return new FanOutResult(kept, kept.Select(a => a.Shard).ToArray(), Partial: true);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Shard {Catalog}/{Shard} answered with model {ShardVersion}, the query is for {Version}; answering without it")]
    private static partial void LogOtherVersion(ILogger logger, string catalog, int shard, string shardVersion, string version);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Shard {Catalog}/{Shard} failed; answering without it")]
    private static partial void LogShardFailed(ILogger logger, Exception error, string catalog, int shard);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Shard {Catalog}/{Shard} missed the {DeadlineMs} ms deadline; answering without it")]
    private static partial void LogShardLate(ILogger logger, string catalog, int shard, double deadlineMs);
}
