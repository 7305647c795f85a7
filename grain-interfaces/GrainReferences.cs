using System.Collections.Concurrent;
using System.Runtime.CompilerServices;

namespace OrleansReco.GrainInterfaces;

/// <summary>
/// References to the grains that every request reaches (users, shards, recommenders) without the interface being
/// resolved again on each call. Orleans' key-taking <c>GetGrain</c> overloads read the interface's attributes and
/// format its name by reflection every time (about 1 KB allocated per reference, ten references per query). Here the
/// grain type and interface type are taken once per factory from a reference made the ordinary way, and later
/// references are made from them directly: the same grain id and interface, so they are equal to ordinary ones.
/// References to shards and recommenders, a handful per catalogue, are also kept and reused.
/// </summary>
public static class GrainReferences
{
    private static readonly ConditionalWeakTable<IGrainFactory, ConcurrentDictionary<Type, (GrainType Grain, GrainInterfaceType Interface)>> Resolved = new();

    /// <summary>The user grain of <paramref name="userId"/>.</summary>
    public static IUserGrain User(this IGrainFactory grains, string userId)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(userId);
        return Get(grains, IdSpan.Create(userId), userId, static (g, id) => g.GetGrain<IUserGrain>(id));
    }

    /// <summary>A grain with a string key, kept for reuse (see <see cref="ItemSharding.Recommender"/>: a few keys per catalogue).</summary>
    internal static T WithStringKey<T>(IGrainFactory grains, string key) where T : IGrainWithStringKey
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(key);
        return Keep(grains, key, 0, static (g, k, _) => Get(g, IdSpan.Create(k), k, static (g2, k2) => g2.GetGrain<T>(k2)));
    }

    /// <summary>A grain with an integer key and a key extension, kept for reuse (the item shards: a few per catalogue).</summary>
    internal static T WithIntegerCompoundKey<T>(IGrainFactory grains, long key, string extension) where T : IGrainWithIntegerCompoundKey
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(extension);
        return Keep(grains, extension, key, static (g, ext, n) =>
            Get(g, GrainIdKeyExtensions.CreateIntegerKey(n, ext), (n, ext), static (g2, k) => g2.GetGrain<T>(k.n, k.ext)));
    }

    /// <summary>
    /// The same reference object for the same grain: making a reference also builds its proxy's argument copiers (the
    /// generated proxy asks the serializer for them, which creates most by reflection), about 2 KB per reference. Kept
    /// references are bounded (<see cref="MaxKept"/> per factory; past that they are made afresh), since catalogue
    /// names come from requests. Grain references are immutable and safe to share between threads.
    /// </summary>
    private static T Keep<T>(IGrainFactory grains, string key, long number, Func<IGrainFactory, string, long, T> make) where T : IAddressable
    {
        var kept = Kept.GetValue(grains, static _ => new());
        if (kept.TryGetValue((typeof(T), key, number), out var reference)) return (T)reference;
        var made = make(grains, key, number);
        if (kept.Count < MaxKept) kept.TryAdd((typeof(T), key, number), made);
        return made;
    }

    private const int MaxKept = 4096;
    private static readonly ConditionalWeakTable<IGrainFactory, ConcurrentDictionary<(Type, string, long), IAddressable>> Kept = new();

    private static T Get<T, TKey>(IGrainFactory grains, IdSpan key, TKey ordinaryKey, Func<IGrainFactory, TKey, T> ordinary) where T : IAddressable
    {
        var types = Resolved.GetValue(grains, static _ => new());
        if (types.TryGetValue(typeof(T), out var t)) return (T)grains.GetGrain(GrainId.Create(t.Grain, key), t.Interface);
        var reference = ordinary(grains, ordinaryKey);
        // A system-prefixed type (such as the placeholder used while the cluster's type map lacks the grain) is not kept:
        // the next call resolves again.
        if (reference is GrainReference r && !r.GrainId.Type.ToString()!.StartsWith(GrainTypePrefix.SystemPrefix, StringComparison.Ordinal))
            types.TryAdd(typeof(T), (r.GrainId.Type, r.InterfaceType));
        return reference;
    }
}
