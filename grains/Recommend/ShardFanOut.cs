using Microsoft.Extensions.Logging;
using OrleansReco.GrainInterfaces;

namespace OrleansReco.Grains.Recommend;

/// <summary>The answers that arrived before the deadline, and whether every shard answered.</summary>
internal sealed record FanOutResult(IReadOnlyList<ShardAnswer> Answers, int[] AnsweredShards, bool Partial);

/// <summary>Sends one query to every shard of a catalogue at once and keeps what arrives before the deadline.</summary>
internal static partial class ShardFanOut
{
    public static async Task<FanOutResult> QueryAsync(
        IGrainFactory grains, string catalog, int shardCount, ShardQuery query, TimeSpan deadline, ILogger logger)
    {
        var calls = new Task<ShardAnswer>[shardCount];
        for (int s = 0; s < shardCount; s++) calls[s] = grains.Shard(catalog, s).SearchAsync(query);
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
            _ = all.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);

        var answers = new List<ShardAnswer>(shardCount);
        var answered = new List<int>(shardCount);
        for (int s = 0; s < shardCount; s++)
        {
            var call = calls[s];
            if (call.IsCompletedSuccessfully)
            {
                answers.Add(call.Result);
                answered.Add(s);
            }
            else if (call.IsFaulted) LogShardFailed(logger, call.Exception!.GetBaseException(), catalog, s);
            else LogShardLate(logger, catalog, s, deadline.TotalMilliseconds);
        }
        return new FanOutResult(answers, [.. answered], answered.Count < shardCount);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Shard {Catalog}/{Shard} failed; answering without it")]
    private static partial void LogShardFailed(ILogger logger, Exception error, string catalog, int shard);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Shard {Catalog}/{Shard} missed the {DeadlineMs} ms deadline; answering without it")]
    private static partial void LogShardLate(ILogger logger, string catalog, int shard, double deadlineMs);
}
