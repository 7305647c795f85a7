using System.Text.Json;
using System.Text.Json.Nodes;
using OrleansReco.Core.Evaluation;
using TorchSharp;
using static TorchSharp.torch;

namespace OrleansReco.Training.TwoTower;

/// <summary>Where training stood after an epoch: what <see cref="TrainingCheckpoints"/> saves and resumes from.</summary>
/// <param name="Epoch">The last finished epoch (1-based).</param>
/// <param name="Step">Optimiser steps taken so far: the position in the learning-rate schedule.</param>
/// <param name="BestRecall">Best validation recall so far (null without validation).</param>
/// <param name="SinceBest">Epochs since the best one (early-stopping patience used up).</param>
/// <param name="Finished">Training ended here (early stop or the last epoch); a resume only restores the result.</param>
/// <param name="LearningRateScale">Product of the plateau decays so far (<see cref="TwoTowerOptions.PlateauDecay"/>); 1 in
/// checkpoints written before it existed.</param>
public sealed record CheckpointState(int Epoch, long Step, double? BestRecall, int SinceBest, bool Finished, double LearningRateScale = 1);

/// <summary>
/// Checkpoints of a training run in a folder, one sub-folder per epoch (<c>epoch-0003/</c>), of which the newest is
/// kept: the network's weights after the epoch (<c>weights.pt</c>), the best epoch's weights when validation picked
/// one (<c>best.pt</c>), the optimiser's state (<c>optimizer.bin</c>: the AdamW/Adam moments and step count) and
/// <c>state.json</c> (epoch, step, early-stopping counters, the per-epoch history, the options and the data's
/// shape). An epoch's folder is written under a temporary name and renamed when complete, so a crash leaves the
/// previous checkpoint intact. Resuming checks that the options and data match and continues with the next epoch,
/// the same learning-rate schedule position and the same per-epoch shuffles as an uninterrupted run.
/// </summary>
public sealed class TrainingCheckpoints
{
    private const string Prefix = "epoch-";
    private const string StateFile = "state.json";
    private const string WeightsFile = "weights.pt";
    private const string BestFile = "best.pt";
    private const string OptimizerFile = "optimizer.bin";
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    /// <param name="directory">The checkpoint folder (created when missing).</param>
    /// <param name="resume">Continue from the newest checkpoint in it (an error when there is none).</param>
    public TrainingCheckpoints(string directory, bool resume)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        Directory = Path.GetFullPath(directory);
        Resume = resume;
    }

    public string Directory { get; }
    public bool Resume { get; }

    /// <summary>The newest complete checkpoint's folder, or null.</summary>
    public string? Latest()
    {
        if (!System.IO.Directory.Exists(Directory)) return null;
        return System.IO.Directory.EnumerateDirectories(Directory, Prefix + "*")
            .Where(d => File.Exists(Path.Combine(d, StateFile)) && int.TryParse(Path.GetFileName(d)[Prefix.Length..], out _))
            .OrderBy(d => int.Parse(Path.GetFileName(d)[Prefix.Length..], System.Globalization.CultureInfo.InvariantCulture))
            .LastOrDefault();
    }

    /// <summary>Writes the checkpoint of <paramref name="state"/>'s epoch, removes older ones and returns its folder.</summary>
    internal string Save(CheckpointState state, nn.Module net, AdamOptimizer optimizer, bool improved, TwoTowerOptions options, int trainExamples,
        int items, TrainingHistory history)
    {
        System.IO.Directory.CreateDirectory(Directory);
        string previous = Latest() ?? "";
        string final = Path.Combine(Directory, $"{Prefix}{state.Epoch:D4}");
        string temp = Path.Combine(Directory, $".{Prefix}{state.Epoch:D4}.tmp-{Guid.NewGuid():N}");
        System.IO.Directory.CreateDirectory(temp);
        try
        {
            net.save(Path.Combine(temp, WeightsFile));
            if (improved && state.BestRecall is not null) File.Copy(Path.Combine(temp, WeightsFile), Path.Combine(temp, BestFile));
            else if (previous.Length > 0 && File.Exists(Path.Combine(previous, BestFile))) File.Copy(Path.Combine(previous, BestFile), Path.Combine(temp, BestFile));
            optimizer.Save(Path.Combine(temp, OptimizerFile));
            var document = new JsonObject
            {
                ["state"] = JsonSerializer.SerializeToNode(state, Json),
                ["trainExamples"] = trainExamples,
                ["items"] = items,
                ["options"] = Fingerprint(options),
                ["history"] = JsonSerializer.SerializeToNode(history, Json),
            };
            File.WriteAllText(Path.Combine(temp, StateFile), document.ToJsonString(Json));
            if (System.IO.Directory.Exists(final)) System.IO.Directory.Delete(final, recursive: true);
            System.IO.Directory.Move(temp, final);
        }
        catch
        {
            System.IO.Directory.Delete(temp, recursive: true);
            throw;
        }
        // Older checkpoints, and the temporary folders of writes a crash cut short.
        foreach (var old in System.IO.Directory.EnumerateDirectories(Directory, Prefix + "*").Concat(System.IO.Directory.EnumerateDirectories(Directory, $".{Prefix}*.tmp-*")))
            if (!string.Equals(old, final, StringComparison.Ordinal)) System.IO.Directory.Delete(old, recursive: true);
        return final;
    }

    /// <summary>
    /// Restores the newest checkpoint into <paramref name="net"/> and <paramref name="optimizer"/>, and returns its
    /// state, history and (when validation picked one) the best epoch's weights; null when not resuming.
    /// </summary>
    /// <exception cref="InvalidDataException">There is no checkpoint, or it was made with other options or data (the message names the field).</exception>
    internal (CheckpointState State, TrainingHistory History, Dictionary<string, Tensor>? Best)? Load(nn.Module net, AdamOptimizer optimizer,
        TwoTowerOptions options, int trainExamples, int items)
    {
        if (!Resume) return null;
        string folder = Latest() ?? throw new InvalidDataException($"Nothing to resume: no checkpoint (epoch-*/{StateFile}) in '{Directory}'.");
        string statePath = Path.Combine(folder, StateFile);
        JsonNode document;
        try { document = JsonNode.Parse(File.ReadAllText(statePath)) ?? throw new InvalidDataException($"{statePath}: empty."); }
        catch (JsonException e) { throw new InvalidDataException($"{statePath}: not a checkpoint state ({e.Message}).", e); }
        var state = document["state"].Deserialize<CheckpointState>(Json) ?? throw new InvalidDataException($"{statePath}: field 'state' is missing.");
        var history = document["history"].Deserialize<TrainingHistory>(Json) ?? throw new InvalidDataException($"{statePath}: field 'history' is missing.");
        if ((int?)document["trainExamples"] != trainExamples || (int?)document["items"] != items)
            throw new InvalidDataException($"{statePath}: the checkpoint was made on other data ({document["trainExamples"]} training examples and " +
                                           $"{document["items"]} items; this run has {trainExamples} and {items}).");
        var saved = document["options"] as JsonObject ?? throw new InvalidDataException($"{statePath}: field 'options' is missing.");
        foreach (var (name, value) in Fingerprint(options))
        {
            string now = value?.ToJsonString() ?? "null", then = saved[name]?.ToJsonString() ?? "null";
            if (now != then)
                throw new InvalidDataException($"{statePath}: option {name} was {then} when the checkpoint was made, {now} now; resume with the same options.");
        }
        Dictionary<string, Tensor>? best = null;
        string bestPath = Path.Combine(folder, BestFile);
        if (File.Exists(bestPath))
        {
            net.load(bestPath);
            using var guard = no_grad();
            best = net.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.detach().clone());
        }
        net.load(Path.Combine(folder, WeightsFile));
        string optimizerPath = Path.Combine(folder, OptimizerFile);
        if (!File.Exists(optimizerPath))
            throw new InvalidDataException($"{folder}: no {OptimizerFile} (the checkpoint was made by an earlier version); start the run afresh.");
        optimizer.Load(optimizerPath);
        return (state, history, best);
    }


    /// <summary>The options that shape the run (thread count and device left out: they may differ on resume).</summary>
    private static JsonObject Fingerprint(TwoTowerOptions options) =>
        (JsonObject)JsonSerializer.SerializeToNode(options with { Threads = 0, PreferCpu = false }, Json)!;
}
