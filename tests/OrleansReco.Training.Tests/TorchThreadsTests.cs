using OrleansReco.Core.Runtime;
using OrleansReco.Training.Torch;
using OrleansReco.Training.TwoTower;
using static TorchSharp.torch;

namespace OrleansReco.Training.Tests;

/// <summary>The trainer's thread budget: counts from the cores and the host, the priority of the training thread, the native environment.</summary>
public sealed class TorchThreadsTests
{
    [Fact]
    public void For_CommandLine_UsesEveryCore_AtNormalPriority() =>
        Assert.Equal(new TorchThreadBudget(8, 1, 0), TorchThreadBudget.For(TrainingHost.CommandLine, cores: 8));

    [Fact]
    public void For_TrainingSilo_UsesEveryCore() =>
        Assert.Equal(new TorchThreadBudget(8, 1, 0), TorchThreadBudget.For(TrainingHost.TrainingSilo, cores: 8));

    [Theory]
    [InlineData(8, 4)]
    [InlineData(3, 1)]
    [InlineData(2, 1)]
    [InlineData(1, 1)]
    public void For_SharedSilo_LeavesHalfTheCoresToServing_AndTrainsAtALowerPriority(int cores, int threads)
    {
        var budget = TorchThreadBudget.For(TrainingHost.SharedSilo, cores);

        Assert.Equal(threads, budget.IntraOp);
        Assert.Equal(TorchThreadBudget.SharedSiloNice, budget.Nice);
        Assert.True(budget.Nice > 0);
        Assert.True(budget.Idle);
    }

    [Theory]
    [InlineData(TrainingHost.CommandLine)]
    [InlineData(TrainingHost.TrainingSilo)]
    public void For_HostsWithoutServing_TrainAtNormalPriority(TrainingHost host)
    {
        var budget = TorchThreadBudget.For(host, cores: 4);

        Assert.Equal(0, budget.Nice);
        Assert.False(budget.Idle);
    }

    [Fact]
    public void For_ConfiguredValues_OverrideTheDefaults()
    {
        Assert.Equal(new TorchThreadBudget(6, 2, 12, Idle: false), TorchThreadBudget.For(TrainingHost.SharedSilo, cores: 4, threads: 6, interopThreads: 2, nice: 12, idle: false));
        Assert.Equal(new TorchThreadBudget(4, 1, 0, Idle: true), TorchThreadBudget.For(TrainingHost.TrainingSilo, cores: 4, idle: true));
    }

    [Theory]
    [InlineData(0, 0, 0, 0, "cores")]
    [InlineData(4, -1, 0, 0, "threads")]
    [InlineData(4, 0, -2, 0, "interop")]
    [InlineData(4, 0, 0, 20, "nice")]
    [InlineData(4, 0, 0, -1, "nice")]
    public void For_ThrowsForInvalidValues_NamingThem(int cores, int threads, int interop, int nice, string named)
    {
        var error = Assert.Throws<ArgumentException>(() => TorchThreadBudget.For(TrainingHost.TrainingSilo, cores, threads, interop, nice));
        Assert.Contains(named, error.Message);
    }

    [Fact]
    public async Task RunAsync_RaisesTheNiceValue_OfTheTrainingThreadAndOfItsOpenMpWorkers_NotOfTheCaller()
    {
        const string name = "nice-test";
        int callerNice = NativeThreads.NiceOf(NativeThreads.CurrentId); // the test runner may itself run lowered
        // As many threads as the command line's default, so that trainers in other tests keep their count.
        var budget = new TorchThreadBudget(Math.Max(2, Environment.ProcessorCount), 1, Nice: 7, Idle: true);

        var (self, idle, count, workers) = await TorchThreads.RunAsync(budget, name, () =>
        {
            using var input = ones(4_000_000);
            using var doubled = input.mul(2); // large enough for libtorch to start its OpenMP workers
            int id = NativeThreads.CurrentId;
            var others = ThreadsNamed(name).Where(t => t != id).Select(t => (Nice: NativeThreads.NiceOf(t), Idle: NativeThreads.IsIdleScheduled(t))).ToArray();
            return (NativeThreads.NiceOf(id), TorchThreads.CurrentIsIdle(), TorchThreads.CurrentThreadCount(), others);
        });

        Assert.Equal(7, self);
        Assert.True(idle || !OperatingSystem.IsLinux());
        Assert.Equal(budget.IntraOp, count);
        Assert.NotEmpty(workers); // OpenMP workers started by the training thread carry its name
        Assert.All(workers, w => Assert.Equal(7, w.Nice));
        Assert.All(workers, w => Assert.True(w.Idle, "An OpenMP worker is not in the idle class.")); // libgomp's threads inherit it
        Assert.Equal(callerNice, NativeThreads.NiceOf(NativeThreads.CurrentId)); // the caller continues at its own priority
    }

    [Fact]
    public async Task RunAsync_TrainingAndTheTasksItStarts_RunAtItsPriority_AndNoPoolThreadInheritsIt()
    {
        const string name = "nice-train-test";
        var budget = new TorchThreadBudget(Environment.ProcessorCount, 1, Nice: 9);
        var data = FeatureData.Create(users: 60, items: 40, eventsPerUser: 6);
        var options = new TwoTowerOptions { Dimension = 8, ItemHidden = [16], UserHidden = [16], BatchSize = 32, Epochs = 2, Validate = false };

        var (epochs, taskNice) = await TorchThreads.RunAsync(budget, name, () =>
        {
            using var trainer = new TwoTowerTrainer(data, options); // batches are filled by tasks it starts beside the model step
            var history = trainer.Train();
            var started = Task.Factory.StartNew(() => NativeThreads.NiceOf(NativeThreads.CurrentId), CancellationToken.None, TaskCreationOptions.None, TaskScheduler.Current);
            return (history.Epochs.Count, started.Result);
        });
        // Work queued to the pool from here is served by pool threads that the run did not create.
        await Task.WhenAll(Enumerable.Range(0, 32).Select(_ => Task.Run(() => Thread.SpinWait(1000))));

        Assert.Equal(2, epochs);
        Assert.Equal(9, taskNice);
        // Every thread at that priority belongs to the run (same name); none of the pool's threads has it.
        Assert.All(LiveThreads().Where(t => t.Nice == 9), t => Assert.Equal(name, t.Name));
    }

    [Fact]
    public async Task RunAsync_PassesTheWorksException()
    {
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() =>
            TorchThreads.RunAsync<int>(new TorchThreadBudget(Environment.ProcessorCount, 1, 0), "throw-test", () => throw new InvalidOperationException("boom")));
        Assert.Equal("boom", error.Message);
    }

    [Fact]
    public void SetDefault_WritesTheNativeEnvironment_AndKeepsAValueAlreadySet()
    {
        string name = $"RECO_TEST_{Guid.NewGuid():N}";

        Assert.True(NativeThreads.SetDefault(name, "PASSIVE"));
        Assert.False(NativeThreads.SetDefault(name, "ACTIVE"));

        Assert.Equal("PASSIVE", NativeThreads.Get(name));
        Assert.Null(Environment.GetEnvironmentVariable(name)); // .NET's copy is another environment: why libc's setenv is used
    }

    [Fact]
    public void PrepareEnvironment_SaysWhichWaitPolicyIsInForce()
    {
        string policy = TorchThreads.PrepareEnvironment();

        // Which case applies depends on whether another test loaded libtorch first; each is stated.
        if (policy == "passive") Assert.Equal(TorchThreads.PassiveWait, NativeThreads.Get(TorchThreads.WaitPolicyVariable));
        else Assert.True(policy.Contains("environment", StringComparison.Ordinal) || policy.Contains("loaded", StringComparison.Ordinal), policy);
        Assert.Same(policy, TorchThreads.PrepareEnvironment());
    }

    /// <summary>Ids of this process's threads whose name (<c>/proc/self/task/&lt;tid&gt;/comm</c>) is <paramref name="name"/>.</summary>
    private static IEnumerable<int> ThreadsNamed(string name) => LiveThreads().Where(t => t.Name == name).Select(t => t.Id);

    /// <summary>This process's threads with their names and nice values (threads that end while being read are left out).</summary>
    private static List<(int Id, string Name, int Nice)> LiveThreads()
    {
        var threads = new List<(int, string, int)>();
        foreach (var task in Directory.EnumerateDirectories("/proc/self/task"))
        {
            int id = int.Parse(Path.GetFileName(task));
            try { threads.Add((id, File.ReadAllText(Path.Combine(task, "comm")).TrimEnd('\n'), NativeThreads.NiceOf(id))); }
            catch (IOException) { }
        }
        return threads;
    }
}
