using System;
using Microsoft.CodeAnalysis;

namespace RefSafety.Analyzers.Cycles;

/// <summary>
/// An object a method can name: <c>this</c>, a parameter's object, an allocation site's most recent object (or the
/// summary of its older ones, in loops), or the object a strong field of another object held when the method
/// read it. Values are compared by what they denote.
/// </summary>
internal sealed class AbstractObject : IEquatable<AbstractObject>
{
    // Objects read through more than this many fields (a.B.C.D.E) are not tracked: the state stays finite. Four
    // fields close a ring of four objects from chained reads (a.Next.Next.Next.Next = a); a loop that walks a list
    // (n = n.Next) names at most this many objects more, each block is still visited a bounded number of times.
    private const int MaxFieldDepth = 4;

    private AbstractObject(ObjectKind kind, ISymbol? symbol, SyntaxNode? site, AbstractObject? owner, string? field, bool isSummary, int depth)
    {
        Kind = kind;
        Symbol = symbol;
        Site = site;
        Owner = owner;
        Field = field;
        IsSummary = isSummary;
        Depth = depth;
    }

    public enum ObjectKind
    {
        This,
        Parameter,
        Allocation,
        FieldValue,
        Untracked,
    }

    public static AbstractObject This { get; } = new(ObjectKind.This, null, null, null, null, false, 0);

    /// <summary>A value the analysis does not follow (null, a call's result): stored so that a later read does not assume the old value.</summary>
    public static AbstractObject Untracked { get; } = new(ObjectKind.Untracked, null, null, null, null, false, 0);

    public ObjectKind Kind { get; }

    public ISymbol? Symbol { get; }

    public SyntaxNode? Site { get; }

    public AbstractObject? Owner { get; }

    public string? Field { get; }

    /// <summary>Stands for every older object of its allocation site: a store into it never overwrites (weak update).</summary>
    public bool IsSummary { get; }

    private int Depth { get; }

    /// <summary>The object a parameter, or a local captured from an enclosing method, names on entry.</summary>
    public static AbstractObject Parameter(ISymbol parameterOrLocal) => new(ObjectKind.Parameter, parameterOrLocal, null, null, null, false, 0);

    public static AbstractObject Allocation(SyntaxNode site) => new(ObjectKind.Allocation, null, site, null, null, false, 0);

    /// <summary>The object that <paramref name="owner"/>.<paramref name="field"/> held when read, or null beyond the depth limit.</summary>
    public static AbstractObject? FieldValue(AbstractObject owner, string field) =>
        owner.Depth >= MaxFieldDepth ? null : new(ObjectKind.FieldValue, null, null, owner, field, owner.IsSummary, owner.Depth + 1);

    public AbstractObject ToSummary() => Kind == ObjectKind.Allocation ? new(Kind, Symbol, Site, Owner, Field, true, Depth) : this;

    public bool Equals(AbstractObject? other) =>
        other is not null && Kind == other.Kind && IsSummary == other.IsSummary && Field == other.Field &&
        SymbolEqualityComparer.Default.Equals(Symbol, other.Symbol) && Site == other.Site && Equals(Owner, other.Owner);

    public override bool Equals(object? obj) => Equals(obj as AbstractObject);

    public override int GetHashCode()
    {
        unchecked
        {
            int hash = (int)Kind * 31 + (IsSummary ? 1 : 0);
            hash = hash * 31 + (Field?.GetHashCode() ?? 0);
            hash = hash * 31 + (Symbol is null ? 0 : SymbolEqualityComparer.Default.GetHashCode(Symbol));
            hash = hash * 31 + (Site?.GetHashCode() ?? 0);
            return hash * 31 + (Owner?.GetHashCode() ?? 0);
        }
    }
}

/// <summary>
/// A strong reference from <see cref="Source"/>'s field (or container slot: "[]", or "[key]" for a dictionary entry
/// under a known key) to <see cref="Target"/>.
/// </summary>
internal sealed class HeapEdge : IEquatable<HeapEdge>
{
    public HeapEdge(AbstractObject source, string field, AbstractObject target, IOperation? store)
    {
        Source = source;
        Field = field;
        Target = target;
        Store = store;
    }

    public AbstractObject Source { get; }

    public string Field { get; }

    /// <summary>The edge is a container's item ("[]" or "[key]"), not a field.</summary>
    public bool IsSlot => Field.StartsWith("[", System.StringComparison.Ordinal);

    public AbstractObject Target { get; }

    /// <summary>The store that made the edge; null for an edge that existed before (seen when the method read the field).</summary>
    public IOperation? Store { get; }

    public bool Equals(HeapEdge? other) =>
        other is not null && Field == other.Field && Source.Equals(other.Source) && Target.Equals(other.Target) && ReferenceEquals(Store, other.Store);

    public override bool Equals(object? obj) => Equals(obj as HeapEdge);

    public override int GetHashCode() =>
        unchecked(((Source.GetHashCode() * 31 + Field.GetHashCode()) * 31 + Target.GetHashCode()) * 31 + (Store?.GetHashCode() ?? 0));
}
