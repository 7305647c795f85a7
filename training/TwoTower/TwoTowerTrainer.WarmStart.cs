using OrleansReco.Core.Model;
using OrleansReco.Training.Torch;
using TorchSharp;
using static TorchSharp.torch;

namespace OrleansReco.Training.TwoTower;

public sealed partial class TwoTowerTrainer
{
    /// <summary>
    /// Copies a previous bundle's weights into the fresh network wherever they still mean the same thing: the item-id
    /// and history tables when the bucket count and dimension agree; text tables with the same hashing; categorical
    /// rows by value (new values keep their fresh initialisation); MLP layers whose shapes agree. Returns the number
    /// of tensors (fully or partly) copied.
    /// </summary>
    private int WarmStart(ModelBundle previous)
    {
        using var guard = no_grad();
        int copied = 0;
        bool Copy(Tensor target, string name)
        {
            if (!previous.Tensors.TryGetValue(name, out var source)) return false;
            if (!target.shape.Select(d => (int)d).SequenceEqual(source.Shape)) return false;
            // Straight into the parameter's memory (still on the host: the network moves to its device afterwards);
            // torch.tensor(float[]) would first clone the array, tens of megabytes for the id tables.
            TorchArrays.CopyInto<float>(target, source.Data);
            copied++;
            return true;
        }
        if (previous.Header.IdBuckets == _schema.IdBuckets && previous.Header.Dimension == _schema.Dimension)
        {
            Copy(_net.Ids.weight!, TwoTowerModel.TensorNames.ItemIds);
            if (_net.HistoryIds is { } history) Copy(history.weight!, TwoTowerModel.TensorNames.HistoryIds);
        }
        foreach (var (name, parameter) in _net.Attention?.Named() ?? []) Copy(parameter, name);
        void Tower(string name, TowerSpec spec, TowerSpec old, TowerNet net)
        {
            int bag = 0;
            foreach (var f in spec.Features.Where(f => f.IsBag))
            {
                var table = net.Bags[bag++].weight!;
                var g = old.Features.FirstOrDefault(o => o.Name == f.Name && o.Kind == f.Kind && o.EmbeddingDim == f.EmbeddingDim);
                if (g is null || !previous.Tensors.TryGetValue(TwoTowerModel.TensorNames.Feature(name, f.Name), out var source)) continue;
                if (f.Kind == Core.Data.FeatureKind.Text)
                {
                    if (g.Buckets == f.Buckets && g.HashSeed == f.HashSeed) Copy(table, TwoTowerModel.TensorNames.Feature(name, f.Name));
                    continue;
                }
                var oldRow = new Dictionary<string, int>(StringComparer.Ordinal);
                for (int i = 0; i < g.Vocabulary.Length; i++) oldRow[g.Vocabulary[i]] = i + 1;
                var rows = table.data<float>();
                int width = f.EmbeddingDim;
                var values = new float[f.TableRows * width];
                rows.CopyTo(values, 0);
                source.Data.AsSpan(0, width).CopyTo(values); // row 0: missing or unknown
                for (int i = 0; i < f.Vocabulary.Length; i++)
                    if (oldRow.TryGetValue(f.Vocabulary[i], out int r)) source.Data.AsSpan(r * width, width).CopyTo(values.AsSpan((i + 1) * width));
                TorchArrays.CopyInto<float>(table, values);
                copied++;
            }
            for (int k = 0; k < net.Layers.Count; k++)
            {
                Copy(net.Layers[k].weight!, TwoTowerModel.TensorNames.Weight(name, k));
                Copy(net.Layers[k].bias!, TwoTowerModel.TensorNames.Bias(name, k));
            }
        }
        Tower("item", _schema.Item, previous.Header.Item, _net.Item);
        Tower("user", _schema.User, previous.Header.User, _net.User);
        return copied;
    }
}
