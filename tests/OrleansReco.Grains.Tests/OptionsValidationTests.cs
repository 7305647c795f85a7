using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using OrleansReco.Grains.Items;
using OrleansReco.Grains.Model;
using OrleansReco.Grains.Recommend;
using OrleansReco.Grains.Users;
using OrleansReco.ServiceDefaults;
using OrleansReco.Silo.Hosting;
using OrleansReco.Trainer;
using OrleansReco.Training.Torch;

namespace OrleansReco.Grains.Tests;

/// <summary>Bad settings stop a silo at start with a message naming the key and its environment variable.</summary>
public sealed class OptionsValidationTests
{
    private static void AssertFails<T>(IValidateOptions<T> validator, T options, string key) where T : class
    {
        var result = validator.Validate(null, options);
        Assert.True(result.Failed, $"{typeof(T).Name}: expected a failure naming {key}.");
        Assert.Contains(key, result.FailureMessage);
    }

    [Fact]
    public void Validate_ShardCountZero_FailsNamingKey() =>
        AssertFails(new ItemShardOptionsValidator(), new ItemShardOptions { Count = 0 }, "Reco__Shards__Count");

    [Theory]
    [InlineData(-1)]
    [InlineData(20)]
    public void Validate_RebuildNiceOutside0To19_FailsNamingKey(int nice) =>
        AssertFails(new ItemShardOptionsValidator(), new ItemShardOptions { RebuildNice = nice }, "Reco__Shards__RebuildNice");

    [Fact]
    public void Validate_BadHnswOption_FailsNamingKey() =>
        AssertFails(new ItemShardOptionsValidator(), new ItemShardOptions { Hnsw = new() { M = 1 } }, "Reco:Shards:Hnsw");

    [Fact]
    public void Validate_MalformedSiloRules_FailsNamingKey() =>
        AssertFails(new RecommendOptionsValidator(), new RecommendOptions { RulesJson = """[{ "when": {} }]""" }, "Reco__Recommend__RulesJson");

    [Fact]
    public void Validate_ZeroDeadline_FailsNamingKey() =>
        AssertFails(new RecommendOptionsValidator(), new RecommendOptions { ShardDeadline = TimeSpan.Zero }, "Reco__Recommend__ShardDeadline");

    [Fact]
    public void Validate_MissingModelFile_FailsNamingKey() =>
        AssertFails(new ModelOptionsValidator(), new ModelOptions { Path = "/no/such/model.bundle" }, "Reco__Model__Path");

    [Fact]
    public void Validate_NegativePublishNotifyDelay_FailsNamingKey() =>
        AssertFails(new ModelOptionsValidator(), new ModelOptions { PublishNotifyDelay = TimeSpan.FromSeconds(-1) }, "Reco__Model__PublishNotifyDelay");

    [Fact]
    public void Validate_EmptyEventIdWindow_FailsNamingKey() =>
        AssertFails(new UserGrainOptionsValidator(), new UserGrainOptions { EventIdWindow = 0 }, "Reco__Users__EventIdWindow");

    [Fact]
    public void Validate_RelativeOtlpEndpoint_FailsNamingKey() =>
        AssertFails(new TelemetryOptionsValidator(), new TelemetryOptions { OtlpEndpoint = "collector:4317" }, "Reco__Telemetry__OtlpEndpoint");

    [Fact]
    public void Validate_TrainerNiceOutOfRange_FailsNamingKey() =>
        AssertFails(new TrainerOptionsValidator(), new TrainerOptions { Nice = 20 }, "Reco__Trainer__Nice");

    [Fact]
    public void Validate_NegativeTrainerThreads_FailsNamingKey() =>
        AssertFails(new TrainerOptionsValidator(), new TrainerOptions { Threads = -1 }, "Reco__Trainer__Threads");

    [Fact]
    public void Validate_TrainerThreadsDisagreeingWithModelThreads_FailsNamingBoth() =>
        AssertFails(new TrainerOptionsValidator(), new TrainerOptions { Threads = 2, Model = new() { Threads = 3 } }, "Reco:Trainer:Model:Threads");

    [Fact]
    public void Validate_MeanOnlyModelSettingWithTheAttentionTower_FailsNamingKey()
    {
        // Bound from configuration as a silo binds it: a half-life the default (attention) tower would ignore is refused.
        var given = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Reco:Trainer:Model:HalfLifeDays"] = "7" }).Build();
        var options = given.GetSection(TrainerOptions.Section).Get<TrainerOptions>()!;
        Assert.Equal(7, options.Model.HalfLifeDays);
        AssertFails(new TrainerOptionsValidator(), options, "Reco:Trainer:Model:HalfLifeDays");

        // Not given: the mean's default applies where it is read, and nothing is refused.
        var none = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Reco:Trainer:Model:Epochs"] = "3" }).Build();
        Assert.True(new TrainerOptionsValidator().Validate(null, none.GetSection(TrainerOptions.Section).Get<TrainerOptions>()!).Succeeded);

        // With the mean tower the same setting is taken.
        var mean = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Reco:Trainer:Model:HalfLifeDays"] = "7",
            ["Reco:Trainer:Model:Aggregation"] = "Mean",
        }).Build();
        Assert.True(new TrainerOptionsValidator().Validate(null, mean.GetSection(TrainerOptions.Section).Get<TrainerOptions>()!).Succeeded);
    }

    [Fact]
    public void ThreadBudget_FollowsTheSilosRole()
    {
        var options = new TrainerOptions();

        Assert.Equal(new TorchThreadBudget(8, 1, 0), options.ThreadBudget("train", 8));
        Assert.Equal(new TorchThreadBudget(4, 1, TorchThreadBudget.SharedSiloNice, Idle: true), options.ThreadBudget("all", 8)); // beside serving: a lower priority
        Assert.Equal(new TorchThreadBudget(3, 2, 0), new TrainerOptions { Model = new() { Threads = 3 }, InteropThreads = 2, Nice = 0, IdleScheduling = false }.ThreadBudget("all", 8));
        Assert.Equal(new TorchThreadBudget(8, 1, 0, Idle: true), new TrainerOptions { IdleScheduling = true }.ThreadBudget("train", 8));
    }

    [Fact]
    public void AddRecoServing_BadShardCountInConfiguration_ThrowsOnResolve()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Reco:Shards:Count"] = "-1" }).Build();
        var services = new ServiceCollection().AddSingleton<IConfiguration>(configuration).AddLogging();
        services.AddRecoServing();
        using var provider = services.BuildServiceProvider();

        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<ItemShardOptions>>().Value);
        Assert.Contains("Reco:Shards:Count", error.Message);
    }
}
