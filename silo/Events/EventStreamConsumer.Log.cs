using Microsoft.Extensions.Logging;

namespace OrleansReco.Silo.Events;

/// <summary>The consumer's log messages (source-generated).</summary>
public sealed partial class EventStreamConsumer
{
    [LoggerMessage(Level = LogLevel.Information, Message = "Event stream {Key}: consuming as {Consumer} in group {Group}")]
    private partial void LogStarting(string key, string group, string consumer);

    [LoggerMessage(Level = LogLevel.Information, Message = "Event stream {Key}: consumer {Consumer} stopped")]
    private partial void LogStopped(string key, string consumer);

    [LoggerMessage(Level = LogLevel.Information, Message = "Created consumer group {Group} on stream {Key}")]
    private partial void LogGroupCreated(string group, string key);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Consumer group {Group} of stream {Key} had vanished (NOGROUP); created again at {Position}")]
    private partial void LogGroupRecreated(string group, string key, string position);

    [LoggerMessage(Level = LogLevel.Information, Message = "Trimmed {Count} entries of stream {Key} that every consumer group acknowledged")]
    private partial void LogTrimmed(long count, string key);

    [LoggerMessage(Level = LogLevel.Information, Message = "Claimed {Count} idle entries of stream {Key} for another try")]
    private partial void LogClaimed(int count, string key);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Event stream {Key}: reading or handling a batch failed; retrying")]
    private partial void LogReadFailed(Exception error, string key);

    [LoggerMessage(Level = LogLevel.Warning, Message = "User {UserId}: {Count} stream entries could not be recorded; left pending for another try")]
    private partial void LogRecordFailed(Exception error, string userId, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Stream entry {EntryId} dead-lettered: {Reason}")]
    private partial void LogDeadLetter(string entryId, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Removed idle consumer {Consumer} (nothing pending) from group {Group}")]
    private partial void LogForgotConsumer(string consumer, string group);

    [LoggerMessage(Level = LogLevel.Error, Message = "Stream entry {EntryId} could not be written to dead-letter stream {Key}; left pending")]
    private partial void LogDeadLetterFailed(Exception error, string entryId, string key);
}
