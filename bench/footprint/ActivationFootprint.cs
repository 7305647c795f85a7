using System.Globalization;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OrleansReco.Core.Data;
using OrleansReco.Core.Model;
using OrleansReco.GrainInterfaces;
using OrleansReco.Grains.Users;
using OrleansReco.Silo.Hosting;
using OrleansReco.LocalCluster;

/// <summary>
/// What a live user grain costs beyond its state: an in-process silo (Memory providers, a random model) activates N
/// user grains with a read (GetEmbeddingAsync: no state is written, so the memory storage holds nothing for them),
/// and the settled heap growth per grain, less the same user's state alone, is Orleans' per-activation bookkeeping
/// (activation, grain object, persistent-state wrapper, directory entry, message buffers kept).
/// </summary>
internal static class ActivationFootprint
{
    public const string Method =
        "An in-process silo (Reco:Cluster:Provider=Memory, a random model of dimension d) activates N user grains with GetEmbeddingAsync " +
        "(a read: no state is written). Settled heap growth per grain, and the same growth less the measured size of the state such a " +
        "grain holds (an empty-profile UserState with its d-float embedding and model version) = Orleans' per-activation bookkeeping.";

    public static async Task<ActivationRow> MeasureAsync(int n, int dim)
    {
        string bundle = Path.Combine(Path.GetTempPath(), $"footprint-{Environment.ProcessId}.bundle");
        SmallModel.Create("footprint", seed: 5, dimension: dim).Write(bundle);
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { EnvironmentName = "Production" });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Reco:Cluster:Provider"] = "Memory",
            ["Reco:Cluster:SiloPort"] = Ports.Free().ToString(CultureInfo.InvariantCulture),
            ["Reco:Cluster:GatewayPort"] = Ports.Free().ToString(CultureInfo.InvariantCulture),
            ["Reco:Model:Path"] = bundle,
        });
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.AddRecoSilo();
        using var host = builder.Build();
        await host.StartAsync();
        try
        {
            var grains = host.Services.GetRequiredService<IGrainFactory>();
            async Task Activate(int from, int count) => await Parallel.ForEachAsync(Enumerable.Range(from, count),
                new ParallelOptions { MaxDegreeOfParallelism = 64 }, async (i, _) => await grains.GetGrain<IUserGrain>($"user-{i:D8}").GetEmbeddingAsync());
            await Activate(0, 2000); // warm-up: code paths, caches and pools reach their steady size
            long before = Measure.Settled();
            await Activate(2000, n);
            long after = Measure.Settled();
            double perGrain = (after - before) / (double)n;
            double state = StateBytes(Math.Min(n, 100_000), dim);
            return new ActivationRow(n, dim, perGrain, state, perGrain - state);
        }
        finally
        {
            await host.StopAsync();
            File.Delete(bundle);
        }
    }

    /// <summary>Bytes of the state a read-only user grain holds: empty profile and history, an embedding and a model version.</summary>
    private static double StateBytes(int n, int dim)
    {
        long before = Measure.Settled();
        var states = new UserState[n];
        for (int i = 0; i < n; i++) states[i] = new UserState { Embedding = new float[dim], ModelVersion = new string("20261124-120000".AsSpan()) };
        long after = Measure.Settled();
        GC.KeepAlive(states);
        return (after - before) / (double)n;
    }

}

internal sealed record ActivationRow(int Grains, int Dimension, double BytesPerActiveGrain, double StateBytes, double OverheadBytes);
