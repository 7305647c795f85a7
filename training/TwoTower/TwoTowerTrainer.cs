using OrleansReco.Core.Data;
using OrleansReco.Core.Evaluation;
using OrleansReco.Core.Model;
using OrleansReco.Training.Torch;
using TorchSharp;
using static TorchSharp.torch;

namespace OrleansReco.Training.TwoTower;

/// <summary>
/// Trains the two-tower model in TorchSharp: encodes the data once, runs mini-batch training with the chosen
/// loss, learning-rate warm-up and cosine decay, validates Recall@K on held-out newest events after every epoch,
/// keeps the best weights and exports them as a <see cref="ModelBundle"/> for the plain-C# serving forward pass.
/// </summary>
/// <remarks>
/// One file per role, <c>TwoTowerTrainer.*.cs</c>: <c>Schema</c> (bundle schema fitted to the data),
/// <c>WarmStart</c> (weights carried over from a previous bundle), <c>Train</c> (the epoch loop, early stop,
/// checkpoints), <c>Schedule</c> (learning rate), <c>Batches</c> (host buffers and the double-buffered pipeline),
/// <c>Losses</c>, <c>Validation</c> (validation loss, Recall@K), <c>Calibration</c> (score → rating),
/// <c>Export</c> (the bundle), <c>TestHooks</c> (TorchSharp reference embeddings for parity tests),
/// <c>Benchmark</c> (step throughput) and <c>Teachers</c> (ensemble distillation).
/// </remarks>
public sealed partial class TwoTowerTrainer : IDisposable
{
    private readonly TwoTowerOptions _options;
    private readonly TextWriter? _log;
    private readonly BundleHeader _schema;
    private readonly TrainingData _data;
    private readonly Device _device;
    private readonly TwoTowerNet _net;
    private readonly FeatureTensors _itemFeatures;
    private readonly FeatureTensors _profiles;
    private readonly Tensor _itemBuckets;
    private readonly Tensor _logPopularity;
    private Random _rng;
    // Scalars live as long as the trainer: TorchSharp's implicit float-to-Scalar conversions are freed by the
    // finalizer, which can run while libtorch still reads them.
    private readonly Scalar _inverseTemperature;
    private readonly Scalar _maskedLogit = MaskedLogit.ToScalar();
    private readonly Tensor _maskedLogitTensor = tensor(MaskedLogit);
    private Tensor? _offDiagonal;
    /// <summary>The trained teachers (<see cref="TwoTowerOptions.Teachers"/>), empty before <see cref="Train"/> or without any.</summary>
    private readonly List<TwoTowerTrainer> _teachers = [];
    /// <summary>A teacher's student, which owns the data tensors the teacher shares; null for a trainer of its own.</summary>
    private readonly TwoTowerTrainer? _student;

    /// <summary>
    /// The logit that takes a cell out of a softmax or a top-K (a duplicate positive, an item already seen): far
    /// below any real score over the temperature, yet finite, so a fully masked row gives no NaN.
    /// </summary>
    private const float MaskedLogit = -1e9f;

    /// <summary>
    /// Multiplier and offset that derive the seed of the sampling stream (shuffles, sampled negatives) from
    /// <see cref="TwoTowerOptions.Seed"/>. The values are arbitrary but fixed: changing them changes every model
    /// trained from a given seed.
    /// </summary>
    private const long SamplingSeedMultiplier = 31, SamplingSeedOffset = 7;

    private static int SamplingSeed(long seed) => unchecked((int)(seed * SamplingSeedMultiplier + SamplingSeedOffset));

    /// <param name="data">Training events and optional user and item feature tables.</param>
    /// <param name="options">Hyper-parameters (defaults if null).</param>
    /// <param name="catalog">Items that must be embeddable besides those in the data (may be null).</param>
    /// <param name="log">Where progress bars and the summary go (usually stderr); null for silence.</param>
    /// <param name="warmStart">A previous bundle whose weights start this training where they still fit (see <see cref="WarmStart"/>).</param>
    public TwoTowerTrainer(InteractionDataset data, TwoTowerOptions? options = null, IReadOnlyList<string>? catalog = null, TextWriter? log = null,
        ModelBundle? warmStart = null)
        : this(Prepared(data, options, catalog, warmStart), log)
    {
        if (warmStart is not null)
        {
            int copied = WarmStart(warmStart);
            _log?.WriteLine($"two-tower: warm start from {warmStart.Header.Version}: {copied} weight tensors carried over");
        }
        _net.to(_device);
    }

    /// <summary>
    /// A teacher of <paramref name="student"/> (<see cref="TwoTowerOptions.Teachers"/>): the same encoded examples,
    /// schema, validation split and device tensors of them (the student's, which it disposes), its own seed and
    /// weights, no teachers of its own and no warm start.
    /// </summary>
    private TwoTowerTrainer(TwoTowerTrainer student, long seed)
        : this((student._options with { Seed = seed, Teachers = 0 }, student._schema, student._data, student._device), student._log, student)
    {
        _net.to(_device);
    }

    /// <param name="student">For a teacher, its student, whose data tensors it uses; null for a trainer of its own.</param>
    private TwoTowerTrainer((TwoTowerOptions Options, BundleHeader Schema, TrainingData Data, Device Device) prepared, TextWriter? log,
        TwoTowerTrainer? student = null)
    {
        _options = prepared.Options;
        _schema = prepared.Schema;
        _data = prepared.Data;
        _device = prepared.Device;
        _log = log;
        _student = student;
        _inverseTemperature = (1f / _options.Temperature).ToScalar();
        _rng = new Random(SamplingSeed(_options.Seed));
        _net = TorchSeed.Create(_options.Seed, () => new TwoTowerNet(_schema.IdBuckets, _options.Dimension, _schema.Item, _schema.User, _options.SeparateHistoryTable,
            _schema.Attention, _options.HistoryLength, _options.IdDropout, _schema.History.HasRecent, _options.Dropout, _options.Seed));
        _itemFeatures = student?._itemFeatures ?? new FeatureTensors(_data.ItemFeatures, _device);
        _profiles = student?._profiles ?? new FeatureTensors(_data.Profiles, _device);
        _itemBuckets = student?._itemBuckets ?? TorchArrays.From(_data.ItemBucket, [_data.ItemBucket.Length], _device);
        _logPopularity = student?._logPopularity ?? TorchArrays.From(_data.LogPopularity, [_data.LogPopularity.Length], _device);
    }

    /// <summary>Checks the options and encodes the data once (a trainer's teachers share the result).</summary>
    private static (TwoTowerOptions, BundleHeader, TrainingData, Device) Prepared(InteractionDataset data, TwoTowerOptions? options,
        IReadOnlyList<string>? catalog, ModelBundle? warmStart)
    {
        ArgumentNullException.ThrowIfNull(data);
        options ??= new TwoTowerOptions();
        options.Check();
        TorchThreads.Use(options.Threads); // before the first torch call: the process's thread budget and wait policy
        if (data.Interactions.Count == 0) throw new ArgumentException("There are no interactions to train on.", nameof(data));
        var device = TorchDevices.Pick(options.PreferCpu);
        var schema = FitSchema(data, options, catalog, warmStart);
        return (options, schema, TrainingData.Build(data, catalog, schema, options), device);
    }

    public TrainingHistory History { get; } = new();

    public int TrainExamples => _data.TrainExamples.Length;
    public int ValidationExamples => _data.ValidationExamples.Length;
    internal int[] ValidationExampleIds => _data.ValidationExamples;
    /// <summary>The trained teachers (<see cref="TwoTowerOptions.Teachers"/>); empty before <see cref="Train"/>.</summary>
    internal IReadOnlyList<TwoTowerTrainer> TeacherTrainers => _teachers;
    public string DeviceName => _device.ToString();

    public void Dispose()
    {
        _inverseTemperature.Dispose();
        _maskedLogit.Dispose();
        _maskedLogitTensor.Dispose();
        _offDiagonal?.Dispose();
        _net.Dispose();
        foreach (var teacher in _teachers) teacher.Dispose();
        if (_student is not null) return; // the data tensors are the student's
        _itemFeatures.Dispose();
        _profiles.Dispose();
        _itemBuckets.Dispose();
        _logPopularity.Dispose();
    }
}
