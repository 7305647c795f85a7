using StackExchange.Redis;

namespace OrleansReco.Silo.Events;

/// <summary>
/// The consumer's dead-letter stream: entries that cannot be recorded (bad fields, too many deliveries, removed from
/// the stream while pending) are written there with a <c>reason</c> and their <c>source_id</c>, then acknowledged.
/// </summary>
public sealed partial class EventStreamConsumer
{
    /// <summary>
    /// Records pending entries whose content was removed from the stream (trimmed or deleted before they were saved)
    /// in the dead-letter stream, by id, with reason <c>trimmed: …</c>; counts them as outcome <c>trimmed</c>.
    /// </summary>
    private async Task DeadLetterTrimmedAsync(IDatabase db, RedisValue[] ids, bool acknowledge)
    {
        const string Reason = "trimmed: the entry was removed from the stream while pending, before it was saved; its fields are gone";
        var writes = ids.Select(id => db.StreamAddAsync(_deadLetters, [new("reason", Reason), new("source_id", id)],
            messageId: null, maxLength: _options.DeadLetterMaxLength, useApproximateMaxLength: true)).ToArray();
        await Task.WhenAll(writes);
        foreach (var id in ids) LogDeadLetter(id.ToString(), Reason);
        if (acknowledge) await db.StreamAcknowledgeAsync(_key, _group, ids);
        _metrics.StreamEvents("trimmed", ids.Length);
    }

    /// <summary>Writes the entries to the dead-letter stream (pipelined); adds those written to <paramref name="acks"/>.</summary>
    private async Task<long> DeadLetterAsync(IDatabase db, List<(StreamEntry Entry, string Reason)> dead, List<RedisValue> acks)
    {
        if (dead.Count == 0) return 0;
        var writes = new Task<RedisValue>[dead.Count];
        for (int i = 0; i < dead.Count; i++)
        {
            var (entry, reason) = dead[i];
            var fields = new NameValueEntry[entry.Values.Length + 2];
            entry.Values.CopyTo(fields, 0);
            fields[^2] = new("reason", reason);
            fields[^1] = new("source_id", entry.Id);
            writes[i] = db.StreamAddAsync(_deadLetters, fields, messageId: null, maxLength: _options.DeadLetterMaxLength, useApproximateMaxLength: true);
            LogDeadLetter(entry.Id.ToString(), reason);
        }
        long written = 0;
        for (int i = 0; i < writes.Length; i++)
        {
            try
            {
                await writes[i];
                acks.Add(dead[i].Entry.Id);
                written++;
            }
            catch (RedisException e)
            {
                // Not acknowledged either: the entry is tried again later.
                LogDeadLetterFailed(e, dead[i].Entry.Id.ToString(), _deadLetters.ToString());
            }
        }
        return written;
    }
}
