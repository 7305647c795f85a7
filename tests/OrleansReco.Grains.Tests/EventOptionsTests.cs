using Microsoft.Extensions.Options;
using OrleansReco.Silo.Events;

namespace OrleansReco.Grains.Tests;

/// <summary>Bad event archive and stream settings stop a silo at start with a message naming the key and its environment variable.</summary>
public sealed class EventOptionsTests
{
    private static void AssertFails<T>(IValidateOptions<T> validator, T options, string key) where T : class
    {
        var result = validator.Validate(null, options);
        Assert.True(result.Failed, $"{typeof(T).Name}: expected a failure naming {key}.");
        Assert.Contains(key, result.FailureMessage);
    }

    [Fact]
    public void Validate_ZeroRetention_FailsNamingKey() =>
        AssertFails(new EventArchiveOptionsValidator(), new EventArchiveOptions { Retention = TimeSpan.Zero }, "Reco__Events__Archive__Retention");

    [Fact]
    public void Validate_ZeroMaxLength_FailsNamingKey() =>
        AssertFails(new EventArchiveOptionsValidator(), new EventArchiveOptions { MaxLength = 0 }, "Reco__Events__Archive__MaxLength");

    [Fact]
    public void Validate_ZeroBatchSize_FailsNamingKey() =>
        AssertFails(new EventStreamOptionsValidator(), new EventStreamOptions { BatchSize = 0 }, "Reco__Events__Stream__BatchSize");

    [Fact]
    public void Validate_TinyClaimIdle_FailsNamingKey() =>
        AssertFails(new EventStreamOptionsValidator(), new EventStreamOptions { ClaimIdle = TimeSpan.FromMilliseconds(5) }, "Reco__Events__Stream__ClaimIdle");

    [Fact]
    public void Validate_DeadLetterKeySameAsKey_FailsNamingKey() =>
        AssertFails(new EventStreamOptionsValidator(), new EventStreamOptions { Key = "in", DeadLetterKey = "in" }, "Reco__Events__Stream__DeadLetterKey");

    [Fact]
    public void ResolveKeys_Unset_NamedAfterServiceId()
    {
        var stream = new EventStreamOptions();
        stream.ResolveKeys("svc");
        var archive = new EventArchiveOptions();
        archive.ResolveKeys("svc");

        Assert.Equal(("svc:events:in", "svc:events:in:dead"), (stream.Key, stream.DeadLetterKey));
        Assert.Equal(("svc:events:archive", "svc:profiles"), (archive.Key, archive.ProfilesKey));
    }
}
