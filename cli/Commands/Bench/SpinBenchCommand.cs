using System.CommandLine;
using System.Globalization;
using System.Reflection;
using OrleansReco.LocalCluster;

namespace OrleansReco.Cli.Commands.Bench;

/// <summary>
/// <c>reco bench spin</c> (hidden): a CPU-bound neighbour for <c>reco bench train --contention</c>, one busy thread per
/// core for a bounded time. It prints <see cref="ReadyLine"/> once every thread spins.
/// </summary>
internal static class SpinBenchCommand
{
    public const string ReadyLine = "spinning";

    public static Command Create()
    {
        var threads = new Option<int>("--threads") { Description = "Busy threads (default: one per core).", DefaultValueFactory = _ => Environment.ProcessorCount };
        var seconds = new Option<double>("--seconds") { Description = "Stop after this long.", DefaultValueFactory = _ => 600 };
        var command = new Command("spin", "A CPU-bound neighbour: busy threads for a while (used by bench train --contention).") { threads, seconds };
        command.Hidden = true;
        command.SetAction(parse => DataArguments.Guard("bench spin", () => Spin(parse.GetValue(threads), parse.GetValue(seconds))));
        return command;
    }

    private static int Spin(int threads, double seconds)
    {
        if (threads <= 0) throw new ArgumentException($"--threads must be positive, not {threads}.");
        if (!(seconds > 0)) throw new ArgumentException($"--seconds must be positive, not {seconds}.");
        using var started = new CountdownEvent(threads);
        for (int i = 0; i < threads; i++)
        {
            new Thread(() =>
            {
                started.Signal();
                double x = 1;
                while (true) x = x * 1.000000001 + 1e-9;
            }) { IsBackground = true, Name = "spin" }.Start();
        }
        started.Wait();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{ReadyLine} {threads} threads for {seconds} s"));
        Thread.Sleep(TimeSpan.FromSeconds(seconds)); // the neighbour's lifetime, not a wait for another thread
        return 0;
    }

    /// <summary>Starts <c>reco bench spin</c> as a child process (this program again) and returns once it spins.</summary>
    public static async Task<ChildProcess> StartAsync(int threads, TimeSpan limit)
    {
        string program = Environment.ProcessPath ?? throw new InvalidOperationException("The path of this program is unknown.");
        var arguments = new List<string>();
        // Under `dotnet reco.dll` the program is the dotnet host; the CLI assembly comes first then.
        if (Path.GetFileNameWithoutExtension(program) == "dotnet") arguments.Add(Assembly.GetEntryAssembly()!.Location);
        arguments.AddRange(["bench", "spin", "--threads", threads.ToString(CultureInfo.InvariantCulture), "--seconds", limit.TotalSeconds.ToString(CultureInfo.InvariantCulture)]);
        var neighbour = ChildProcess.Start("neighbour", program, arguments, new Dictionary<string, string>(), logPath: null);
        try
        {
            await neighbour.WaitForLineAsync(ReadyLine, TimeSpan.FromSeconds(60), "starting the CPU-bound neighbour");
            return neighbour;
        }
        catch
        {
            await neighbour.DisposeAsync();
            throw;
        }
    }
}
