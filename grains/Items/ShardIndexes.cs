using OrleansReco.Core.Model;

namespace OrleansReco.Grains.Items;

/// <summary>
/// The indexes of one shard activation and the state machine that replaces them when the model changes:
/// <list type="bullet">
/// <item><see cref="Current"/>: the index queries use;</item>
/// <item><see cref="Previous"/>: the one it replaced, kept (and kept current) for queries whose vector still comes
/// from the older model;</item>
/// <item>a rebuild for a newer model, under way off the activation's turn; the items changed meanwhile are
/// recorded and replayed into the new index before it is swapped in.</item>
/// </list>
/// Every member is called from the activation's turn, so nothing here is shared between threads except the rebuild's
/// own snapshot.
/// </summary>
/// <param name="items">The shard's live items, from which a finished rebuild replays the ones changed meanwhile.</param>
internal sealed class ShardIndexes(IReadOnlyDictionary<string, StoredItem> items) : IDisposable
{
    private Task? _pending;
    private string? _pendingVersion;
    private HashSet<string>? _changedDuringBuild;

    /// <summary>The index queries use, or null before the first build.</summary>
    public ShardIndex? Current { get; private set; }

    /// <summary>The index <see cref="Current"/> replaced, or null.</summary>
    public ShardIndex? Previous { get; private set; }

    /// <summary>Installs the first index of the activation.</summary>
    public void Start(ShardIndex index)
    {
        if (Current is not null) throw new InvalidOperationException("The shard already has an index.");
        Current = index;
    }

    /// <summary>Whether <paramref name="model"/> is neither current nor being built for.</summary>
    public bool IsBehind(TwoTowerModel model) =>
        Current is not null
        && !string.Equals(Current.ModelVersion, model.Version, StringComparison.Ordinal)
        && !string.Equals(_pendingVersion, model.Version, StringComparison.Ordinal);

    /// <summary>The index for queries whose vector comes from <paramref name="version"/>: current, previous, or null.</summary>
    public ShardIndex? For(string version) =>
        Current is { } current && string.Equals(version, current.ModelVersion, StringComparison.Ordinal) ? current
        : Previous is { } previous && string.Equals(version, previous.ModelVersion, StringComparison.Ordinal) ? previous
        : null;

    /// <summary>The rebuild under way for <paramref name="version"/>, or null.</summary>
    public Task? Building(string version) => string.Equals(version, _pendingVersion, StringComparison.Ordinal) ? _pending : null;

    /// <summary>Records an upsert already applied to <see cref="Current"/>: the previous index and a rebuild under way follow it.</summary>
    public void Upserted(string id, StoredItem item)
    {
        Previous?.TryUpsert(id, item, out _);
        _changedDuringBuild?.Add(id);
    }

    /// <summary>Records a removal already applied to <see cref="Current"/>.</summary>
    public void Removed(string id)
    {
        Previous?.Remove(id);
        _changedDuringBuild?.Add(id);
    }

    /// <summary>
    /// Starts building for <paramref name="model"/> with <paramref name="build"/> (which runs off the turn, on a
    /// snapshot it was given), unless <see cref="IsBehind"/> is false. The returned task completes in the activation's
    /// turn once the new index is swapped in (or dropped because a newer model arrived or the build failed);
    /// <paramref name="swapped"/> is told about a swap, <paramref name="failed"/> about a failure.
    /// </summary>
    public Task? BeginSwap(TwoTowerModel model, Func<Task<(ShardIndex Index, TimeSpan BuildTime)>> build,
        Action<ShardIndex, string, TimeSpan> swapped, Action<Exception> failed)
    {
        if (!IsBehind(model)) return null;
        _pendingVersion = model.Version;
        _changedDuringBuild = new HashSet<string>(StringComparer.Ordinal);
        return _pending = SwapAsync(model.Version, build, swapped, failed);
    }

    private async Task SwapAsync(string version, Func<Task<(ShardIndex Index, TimeSpan BuildTime)>> build,
        Action<ShardIndex, string, TimeSpan> swapped, Action<Exception> failed)
    {
        ShardIndex built;
        TimeSpan buildTime;
        try
        {
            (built, buildTime) = await build();
        }
        catch (Exception e)
        {
            if (string.Equals(_pendingVersion, version, StringComparison.Ordinal)) ClearPending();
            failed(e);
            return;
        }
        // Back in the activation's turn: nothing else touches the indexes until this method returns.
        if (!string.Equals(_pendingVersion, version, StringComparison.Ordinal) || Current is null)
        {
            built.Dispose(); // A newer model arrived meanwhile (or the shard deactivated).
            return;
        }
        foreach (var id in _changedDuringBuild!)
        {
            if (items.TryGetValue(id, out var item)) built.TryUpsert(id, item, out _);
            else built.Remove(id);
        }
        built.Maintain();
        var replaced = Current;
        Previous?.Dispose();
        Previous = replaced;
        Current = built;
        ClearPending();
        swapped(built, replaced.ModelVersion, buildTime);
    }

    private void ClearPending()
    {
        _pending = null;
        _pendingVersion = null;
        _changedDuringBuild = null;
    }

    /// <summary>Drops every index and forgets a rebuild under way (its result is discarded when it completes).</summary>
    public void Dispose()
    {
        _pendingVersion = null;
        Current?.Dispose();
        Previous?.Dispose();
        Current = Previous = null;
    }
}
