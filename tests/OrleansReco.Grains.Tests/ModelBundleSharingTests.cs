using OrleansReco.Core.Model;

namespace OrleansReco.Grains.Tests;

/// <summary>A loaded model keeps its bundle without copying it, so a trainer on the same silo can warm-start from it.</summary>
public sealed class ModelBundleSharingTests
{
    [Fact]
    public void Bundle_OfLoadedModel_IsTheSameBundleAndSharesTheIdTable()
    {
        var bundle = SmallModel.Create("shared", seed: 11);
        var model = new TwoTowerModel(bundle);
        Assert.Same(bundle, model.Bundle);

        var before = new float[model.Dimension];
        model.EmbedItem("item-3", null, before);
        // Writing every row of the bundle's id table changes what the model computes: the two share the array.
        var ids = bundle.Tensors[TwoTowerModel.TensorNames.ItemIds].Data;
        for (int i = 0; i < ids.Length; i++) ids[i] = (i % model.Dimension) == 0 ? 5f : -5f;
        var after = new float[model.Dimension];
        model.EmbedItem("item-3", null, after);

        Assert.NotEqual(before, after);
    }
}
