using System.Globalization;
using OrleansReco.Core.Model;
using OrleansReco.Training.Torch;
using TorchSharp;
using static TorchSharp.torch;

namespace OrleansReco.Training.TwoTower;

public sealed partial class TwoTowerTrainer
{
    /// <summary>
    /// The current weights, schema and training metrics as a bundle (fits the rating calibration if rated), named
    /// <paramref name="version"/> (default: <c>twotower-</c> and the UTC time to the second).
    /// </summary>
    public ModelBundle ExportBundle(string? version = null)
    {
        var created = DateTimeOffset.UtcNow;
        var metrics = new Dictionary<string, double>
        {
            ["epochs"] = History.Epochs.Count,
            ["bestEpoch"] = History.BestEpoch,
            ["trainExamples"] = TrainExamples,
            ["validationExamples"] = ValidationExamples,
            ["steps"] = History.Steps,
            ["trainSeconds"] = History.Seconds,
        };
        if (History.BestValidationRecall is { } recall) metrics[$"validationRecall@{History.RecallK}"] = recall;
        if (History.Epochs.Count > 0) metrics["trainLoss"] = History.Epochs[^1].TrainLoss;
        var o = _options;
        var settings = new Dictionary<string, string>
        {
            ["loss"] = o.Loss.ToString(),
            ["temperature"] = o.Temperature.ToString(CultureInfo.InvariantCulture),
            ["maskSeenNegatives"] = o.MasksSeenNegatives ? "true" : "false",
            ["batchSize"] = o.BatchSize.ToString(CultureInfo.InvariantCulture),
            ["learningRate"] = o.LearningRate.ToString(CultureInfo.InvariantCulture),
            ["optimizer"] = o.Optimizer.ToString(),
            ["seed"] = o.Seed.ToString(CultureInfo.InvariantCulture),
            ["device"] = _device.ToString(),
            ["torch"] = TorchDevices.Describe(),
        };
        if (o.Teachers > 0)
        {
            settings["teachers"] = o.Teachers.ToString(CultureInfo.InvariantCulture);
            settings["distillWeight"] = o.DistillWeight.ToString(CultureInfo.InvariantCulture);
        }
        var header = new BundleHeader
        {
            Version = string.IsNullOrWhiteSpace(version) ? $"twotower-{created.UtcDateTime:yyyyMMdd'T'HHmmss'Z'}" : version,
            CreatedAt = created,
            Dimension = _schema.Dimension,
            IdBuckets = _schema.IdBuckets,
            IdHashSeed = _schema.IdHashSeed,
            History = _schema.History,
            Item = _schema.Item,
            User = _schema.User,
            Aggregation = _schema.Aggregation,
            Attention = _schema.Attention,
            Rating = FitRatingCalibration(),
            Metrics = metrics,
            Settings = settings,
        };
        var tensors = new List<BundleTensor> { Export(TwoTowerModel.TensorNames.ItemIds, _net.Ids.weight!) };
        if (_net.HistoryIds is { } historyTable) tensors.Add(Export(TwoTowerModel.TensorNames.HistoryIds, historyTable.weight!));
        ExportTower("item", _schema.Item, _net.Item, tensors);
        ExportTower("user", _schema.User, _net.User, tensors);
        foreach (var (name, parameter) in _net.Attention?.Named() ?? []) tensors.Add(Export(name, parameter));
        return new ModelBundle(header, tensors);
    }

    private static void ExportTower(string name, TowerSpec spec, TowerNet tower, List<BundleTensor> tensors)
    {
        int bag = 0;
        foreach (var f in spec.Features.Where(f => f.IsBag))
            tensors.Add(Export(TwoTowerModel.TensorNames.Feature(name, f.Name), tower.Bags[bag++].weight!));
        for (int k = 0; k < tower.Layers.Count; k++)
        {
            tensors.Add(Export(TwoTowerModel.TensorNames.Weight(name, k), tower.Layers[k].weight!));
            tensors.Add(Export(TwoTowerModel.TensorNames.Bias(name, k), tower.Layers[k].bias!));
        }
    }

    private static BundleTensor Export(string name, Tensor t)
    {
        using var cpu = t.detach().cpu().contiguous();
        return new BundleTensor(name, cpu.shape.Select(d => (int)d).ToArray(), cpu.data<float>().ToArray());
    }
}
