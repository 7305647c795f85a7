using System.Collections.Concurrent;
using System.Runtime.CompilerServices;

namespace OrleansReco.GrainInterfaces;

/// <summary>
/// References to the grains that every request reaches (users, shards, recommenders) without the interface being
/// resolved again on each call. Orleans' key-taking <c>GetGrain</c> overloads read the interface's attributes and
/// format its name by reflection every time (about 1 KB allocated per reference, ten references per query). Here the
/// grain type and interface type are learnt once per factory from a reference made the ordinary way, and later
/// references are made from them directly: the same grain id and interface, so they are equal to ordinary ones.
/// References to shards and recommenders, a handful per catalogue, are also kept and reused.
/// </summary>
public static class GrainReferences
{
    private static readonly ConditionalWeakTable<IGrainFactory, FactoryReferences> PerFactory = new();

    /// <summary>The user grain of <paramref name="userId"/> (made per call: users are too many to keep).</summary>
    public static IUserGrain User(this IGrainFactory grains, string userId)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(userId);
        var references = PerFactory.GetValue(grains, static _ => new());
        return references.Make<IUserGrain>(grains, IdSpan.Create(userId)) ?? references.Learn(grains.GetGrain<IUserGrain>(userId));
    }

    /// <summary>A grain with a string key, kept for reuse (see <see cref="ItemSharding.Recommender"/>: a few keys per catalogue).</summary>
    internal static T WithStringKey<T>(IGrainFactory grains, string key) where T : class, IGrainWithStringKey
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(key);
        var references = PerFactory.GetValue(grains, static _ => new());
        return references.Kept<T>(key, 0)
            ?? references.Keep(key, 0, references.Make<T>(grains, IdSpan.Create(key)) ?? references.Learn(grains.GetGrain<T>(key)));
    }

    /// <summary>A grain with an integer key and a key extension, kept for reuse (the item shards: a few per catalogue).</summary>
    internal static T WithIntegerCompoundKey<T>(IGrainFactory grains, long key, string extension) where T : class, IGrainWithIntegerCompoundKey
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(extension);
        var references = PerFactory.GetValue(grains, static _ => new());
        return references.Kept<T>(extension, key)
            ?? references.Keep(extension, key, references.Make<T>(grains, GrainIdKeyExtensions.CreateIntegerKey(key, extension))
                ?? references.Learn(grains.GetGrain<T>(key, extension)));
    }

    /// <summary>What one factory has learnt (grain and interface types) and kept (references).</summary>
    private sealed class FactoryReferences
    {
        /// <summary>Kept references are bounded, since catalogue names come from requests; past this they are made afresh.</summary>
        private const int MaxKept = 4096;

        private readonly ConcurrentDictionary<Type, (GrainType Grain, GrainInterfaceType Interface)> _types = new();
        private readonly ConcurrentDictionary<(Type, string, long), IAddressable> _kept = new();
        private int _keptCount;

        /// <summary>A reference from the learnt types, or null while <typeparamref name="T"/>'s are not learnt yet.</summary>
        public T? Make<T>(IGrainFactory grains, IdSpan key) where T : class, IAddressable =>
            _types.TryGetValue(typeof(T), out var t) ? (T)grains.GetGrain(GrainId.Create(t.Grain, key), t.Interface) : null;

        /// <summary>
        /// Learns the types of an ordinary reference. A system-prefixed type (such as the placeholder used while the
        /// cluster's type map lacks the grain) is not learnt: the next call resolves again.
        /// </summary>
        public T Learn<T>(T reference) where T : class, IAddressable
        {
            if (reference is GrainReference r && !r.GrainId.Type.ToString()!.StartsWith(GrainTypePrefix.SystemPrefix, StringComparison.Ordinal))
                _types.TryAdd(typeof(T), (r.GrainId.Type, r.InterfaceType));
            return reference;
        }

        /// <summary>
        /// The kept reference, or null. Keeping saves more than the lookup: making a reference also builds its proxy's
        /// argument copiers (the generated proxy asks the serializer for them, which creates most by reflection).
        /// Grain references are immutable and safe to share between threads.
        /// </summary>
        public T? Kept<T>(string key, long number) where T : class, IAddressable =>
            _kept.TryGetValue((typeof(T), key, number), out var reference) ? (T)reference : null;

        public T Keep<T>(string key, long number, T reference) where T : class, IAddressable
        {
            if (Volatile.Read(ref _keptCount) < MaxKept && _kept.TryAdd((typeof(T), key, number), reference)) Interlocked.Increment(ref _keptCount);
            return reference;
        }
    }
}
