using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using OrleansReco.GrainInterfaces;
using OrleansReco.Grains.Placement;
using OrleansReco.Training.Torch;

namespace OrleansReco.Trainer.Hosting;

/// <summary>Wiring of the trainer: its options on every silo (any silo may place it), its schedule on training silos.</summary>
public static class TrainerHostingExtensions
{
    /// <summary>
    /// Binds <c>Reco:Trainer</c> and the thread budget of runs on this silo (from its role and cores); on a silo of role
    /// <c>train</c> or <c>all</c> also registers the scheduled run at start and sets OpenMP's wait policy, which libgomp
    /// reads when libtorch loads.
    /// </summary>
    public static ISiloBuilder AddRecoTrainer(this ISiloBuilder silo, string role)
    {
        silo.Services.AddOptions<TrainerOptions>().BindConfiguration(TrainerOptions.Section).ValidateOnStart();
        silo.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<TrainerOptions>, TrainerOptionsValidator>());
        // Reminders shorter than Orleans' minimum period (1 minute) are refused; a shorter interval (drills, tests) lowers it.
        silo.Services.AddOptions<ReminderOptions>().Configure<IOptions<TrainerOptions>>((reminders, trainer) =>
        {
            var interval = trainer.Value.Interval;
            if (interval > TimeSpan.Zero && interval < reminders.MinimumReminderPeriod) reminders.MinimumReminderPeriod = interval;
        });
        silo.Services.AddSingleton(sp => sp.GetRequiredService<IOptions<TrainerOptions>>().Value.ThreadBudget(role, Environment.ProcessorCount));
        if (SiloRoles.Trains(role))
        {
            TorchThreads.PrepareEnvironment();
            silo.Services.AddSingleton<TrainerSchedule>();
            silo.Services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>>(sp => sp.GetRequiredService<TrainerSchedule>());
        }
        return silo;
    }
}

/// <summary>On a training silo, makes sure the trainer's reminder matches <see cref="TrainerOptions.Interval"/> once the silo is active.</summary>
public sealed partial class TrainerSchedule(IGrainFactory grains, ILogger<TrainerSchedule> logger) : ILifecycleParticipant<ISiloLifecycle>
{
    private readonly CancellationTokenSource _stopping = new();

    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(nameof(TrainerSchedule), ServiceLifecycleStage.Active, Start, Stop);

    private Task Start(CancellationToken ct)
    {
        _ = Task.Run(EnsureAsync);
        return Task.CompletedTask;
    }

    private Task Stop(CancellationToken ct)
    {
        _stopping.Cancel();
        return Task.CompletedTask;
    }

    private async Task EnsureAsync()
    {
        for (int attempt = 1; !_stopping.IsCancellationRequested; attempt++)
        {
            try
            {
                var interval = await grains.Trainer().EnsureScheduledAsync();
                LogScheduled(interval);
                return;
            }
            catch (Exception e) when (attempt < 30)
            {
                LogRetry(e, attempt);
                try { await Task.Delay(TimeSpan.FromSeconds(2), _stopping.Token); }
                catch (OperationCanceledException) { return; }
            }
            catch (Exception e)
            {
                LogGaveUp(e);
                return;
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Trainer schedule: every {Interval} (00:00:00: admin calls only)")]
    private partial void LogScheduled(TimeSpan interval);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Trainer schedule not set yet (attempt {Attempt})")]
    private partial void LogRetry(Exception error, int attempt);

    [LoggerMessage(Level = LogLevel.Error, Message = "Trainer schedule could not be set; runs start only on admin calls")]
    private partial void LogGaveUp(Exception error);
}
