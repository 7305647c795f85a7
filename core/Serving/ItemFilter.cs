namespace OrleansReco.Core.Serving;

/// <summary>
/// What a recommendation may contain, evaluated per candidate item inside a shard's index walk so that k
/// results survive filtering. Field constraints name item metadata fields (e.g. <c>category</c>,
/// <c>product_type</c>); an item without the field fails every <see cref="FieldConstraint.Require"/>
/// constraint on it and passes every exclusion.
/// </summary>
public sealed record ItemFilter
{
    // Declared before None: static fields initialise in textual order.
    private static readonly IReadOnlySet<string> EmptySet = new HashSet<string>();

    /// <summary>No constraints at all (available items only).</summary>
    public static readonly ItemFilter None = new();

    /// <summary>Item ids never returned (the user's seen items when seen-item exclusion is on, the query item for similar-items).</summary>
    public IReadOnlySet<string> ExcludedItemIds { get; init; } = EmptySet;

    /// <summary>Only items marked available (the default); false lets unavailable items through.</summary>
    public bool OnlyAvailable { get; init; } = true;

    /// <summary>Constraints on metadata fields, all of which must hold.</summary>
    public IReadOnlyList<FieldConstraint> Constraints { get; init; } = [];

    /// <summary>True when the item passes every condition.</summary>
    public bool Allows(string itemId, bool available, IItemFields fields)
    {
        if (OnlyAvailable && !available) return false;
        if (ExcludedItemIds.Count > 0 && ExcludedItemIds.Contains(itemId)) return false;
        var constraints = Constraints;
        for (int i = 0; i < constraints.Count; i++)
            if (!constraints[i].Allows(fields.Get(constraints[i].Field))) return false;
        return true;
    }

    /// <summary>A copy with one more constraint.</summary>
    public ItemFilter With(FieldConstraint constraint) => this with { Constraints = [.. Constraints, constraint] };

}

/// <summary>Read access to an item's metadata fields; returns null for a field the item does not have.</summary>
public interface IItemFields
{
    string? Get(string field);
}

/// <summary>Item metadata held as a dictionary (field name → value).</summary>
public sealed class DictionaryItemFields(IReadOnlyDictionary<string, string> values) : IItemFields
{
    public string? Get(string field) => values.TryGetValue(field, out var value) ? value : null;
}

/// <summary>Whether a constraint keeps only the listed values or drops them.</summary>
public enum ConstraintKind
{
    /// <summary>The item's value must be one of <see cref="FieldConstraint.Values"/>.</summary>
    Require,
    /// <summary>The item's value must not be one of <see cref="FieldConstraint.Values"/>.</summary>
    Exclude,
}

/// <summary>A constraint on one metadata field: require or exclude a set of values (compared ordinally, case-insensitive).</summary>
public sealed record FieldConstraint
{
    public FieldConstraint(string field, ConstraintKind kind, IEnumerable<string> values)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(field);
        Field = field;
        Kind = kind;
        Values = new HashSet<string>(values, StringComparer.OrdinalIgnoreCase);
        if (Values.Count == 0)
            throw new ArgumentException($"A {kind} constraint on '{field}' needs at least one value.", nameof(values));
    }

    public string Field { get; }
    public ConstraintKind Kind { get; }
    public IReadOnlySet<string> Values { get; }

    /// <summary>True when an item whose field has <paramref name="value"/> (null: missing) passes.</summary>
    public bool Allows(string? value) => Kind == ConstraintKind.Require
        ? value is not null && Values.Contains(value)
        : value is null || !Values.Contains(value);

    public override string ToString() => $"{Kind.ToString().ToLowerInvariant()} {Field} in [{string.Join(", ", Values)}]";
}
