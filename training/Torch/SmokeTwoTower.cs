using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace OrleansReco.Training.Torch;

/// <summary>
/// The smallest two-tower model: id embeddings → one linear layer per tower → L2 norm, trained with
/// in-batch softmax. It proves that libtorch loads and learns on this machine (used by <c>reco demo</c>
/// and by the build's smoke test); the production towers live beside it.
/// </summary>
public sealed class SmokeTwoTower : nn.Module<Tensor, Tensor, Tensor>
{
    private readonly Embedding _userIds;
    private readonly Embedding _itemIds;
    private readonly Linear _userHead;
    private readonly Linear _itemHead;

    public SmokeTwoTower(int users, int items, int dim) : base(nameof(SmokeTwoTower))
    {
        _userIds = nn.Embedding(users, dim);
        _itemIds = nn.Embedding(items, dim);
        _userHead = nn.Linear(dim, dim);
        _itemHead = nn.Linear(dim, dim);
        RegisterComponents();
    }

    /// <summary>Returns the [batch, batch] matrix of user·item cosine scores.</summary>
    public override Tensor forward(Tensor userIds, Tensor itemIds)
    {
        using var userHidden = _userIds.forward(userIds);
        using var userOut = _userHead.forward(userHidden);
        using var users = nn.functional.normalize(userOut, p: 2, dim: 1);
        using var itemHidden = _itemIds.forward(itemIds);
        using var itemOut = _itemHead.forward(itemHidden);
        using var items = nn.functional.normalize(itemOut, p: 2, dim: 1);
        return users.matmul(items.t());
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _userIds.Dispose();
            _itemIds.Dispose();
            _userHead.Dispose();
            _itemHead.Dispose();
        }
        base.Dispose(disposing);
    }

    /// <summary>
    /// Trains on synthetic pairs where user u prefers item (u mod items); returns the mean in-batch
    /// softmax loss of each step, first to last.
    /// </summary>
    public static float[] TrainSynthetic(int users, int items, int dim, int steps, int batch, long seed, Action<int, float>? onStep = null)
    {
        TorchThreads.Use(0);
        var device = TorchDevices.Pick();
        using var model = TorchSeed.Create(seed, () => new SmokeTwoTower(users, items, dim));
        model.to(device);
        using var optimizer = optim.Adam(model.parameters(), lr: 0.05);
        var losses = new float[steps];
        var rng = new Random((int)seed);
        var userBatch = new long[batch];
        var itemBatch = new long[batch];
        for (int step = 0; step < steps; step++)
        {
            using var scope = NewDisposeScope();
            for (int i = 0; i < batch; i++)
            {
                userBatch[i] = rng.Next(users);
                itemBatch[i] = userBatch[i] % items;
            }
            var u = tensor(userBatch, device: device);
            var v = tensor(itemBatch, device: device);
            var logits = model.forward(u, v) / 0.1f;
            var labels = arange(batch, dtype: ScalarType.Int64, device: device);
            var loss = nn.functional.cross_entropy(logits, labels);
            optimizer.zero_grad();
            loss.backward();
            optimizer.step();
            losses[step] = loss.item<float>();
            onStep?.Invoke(step, losses[step]);
        }
        return losses;
    }
}
