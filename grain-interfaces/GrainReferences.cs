using System.Collections.Concurrent;
using System.Runtime.CompilerServices;

namespace OrleansReco.GrainInterfaces;

/// <summary>
/// References to the grains that every request reaches (users, shards, recommenders) without the interface being
/// resolved again on each call. Orleans' key-taking <c>GetGrain</c> overloads read the interface's attributes and
/// format its name by reflection every time (about 1 KB allocated per reference, ten references per query). Here the
/// grain type and interface type are taken once per factory from a reference made the ordinary way, and later
/// references are made from them directly: the same grain id and interface, so they are equal to ordinary ones.
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

    /// <summary>A grain with a string key, for grains called per request (see <see cref="ItemSharding.Recommender"/>).</summary>
    internal static T WithStringKey<T>(IGrainFactory grains, string key) where T : IGrainWithStringKey =>
        Get(grains, IdSpan.Create(key), key, static (g, k) => g.GetGrain<T>(k));

    /// <summary>A grain with an integer key and a key extension (the item shards).</summary>
    internal static T WithIntegerCompoundKey<T>(IGrainFactory grains, long key, string extension) where T : IGrainWithIntegerCompoundKey
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(extension);
        return Get(grains, GrainIdKeyExtensions.CreateIntegerKey(key, extension), (key, extension), static (g, k) => g.GetGrain<T>(k.key, k.extension));
    }

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
