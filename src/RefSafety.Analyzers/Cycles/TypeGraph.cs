using System.Collections.Generic;
using System.Linq;
using System.Runtime.CompilerServices;
using Microsoft.CodeAnalysis;

using RefSafety.Analyzers.Engine;

namespace RefSafety.Analyzers.Cycles;

/// <summary>One strong field of <see cref="From"/> that can hold a <see cref="To"/> (directly or as a container item).</summary>
internal sealed class TypeEdge
{
    public TypeEdge(INamedTypeSymbol from, IFieldSymbol field, INamedTypeSymbol to, bool throughContainer)
    {
        From = from;
        Field = field;
        To = to;
        ThroughContainer = throughContainer;
    }

    public INamedTypeSymbol From { get; }

    public IFieldSymbol Field { get; }

    public INamedTypeSymbol To { get; }

    /// <summary>The field is a RefList / RefDictionary holding <see cref="To"/> as an item.</summary>
    public bool ThroughContainer { get; }

    public override string ToString() => $"{From.Name}.{Field.Name}{(ThroughContainer ? "[]" : string.Empty)}";
}

/// <summary>
/// The strong-field graph of the RefObject types of a compilation: a node per RefObject type (generic types as
/// constructed, so <c>Box&lt;Node&gt;.Value</c> points at <c>Node</c>), an edge per strong field and type it can
/// hold. A field of type <c>Base</c> can hold every subtype declared in the compilation; a <c>RefList&lt;T&gt;</c>
/// or <c>RefDictionary&lt;K, T&gt;</c> field holds its items; <c>WeakRef&lt;T&gt;</c> fields are no edges; a field of
/// type <c>RefObject</c> or of an unconstrained type parameter is unknown and no edge (else every type would be
/// cyclic). Types from referenced assemblies take part through the fields their metadata exposes.
/// Built once per compilation and shared by REFS011 and REFS020.
/// </summary>
internal sealed class TypeGraph
{
    // Generic nesting beyond this depth is folded into the generic definition, so the graph stays finite for
    // types like N<T> { N<Box<T>> Child; }.
    private const int MaxGenericDepth = 3;

    private static readonly ConditionalWeakTable<Compilation, TypeGraph> Cache = new();

    private readonly RefHeapSymbols _symbols;
    private readonly Dictionary<INamedTypeSymbol, List<INamedTypeSymbol>> _sourceSubtypes = new(SymbolEqualityComparer.Default);
    private readonly Dictionary<INamedTypeSymbol, List<TypeEdge>> _edges = new(SymbolEqualityComparer.Default);

    private TypeGraph(Compilation compilation, RefHeapSymbols symbols)
    {
        _symbols = symbols;
        SourceTypes = SourceRefObjectTypes(compilation.Assembly.GlobalNamespace).ToList();
        foreach (INamedTypeSymbol type in SourceTypes)
        {
            for (INamedTypeSymbol? b = type.BaseType; b is not null && !SymbolEqualityComparer.Default.Equals(b, symbols.RefObject); b = b.BaseType)
            {
                GetOrAdd(_sourceSubtypes, b.OriginalDefinition).Add(type);
            }
        }

        var pending = new Stack<INamedTypeSymbol>(SourceTypes);
        while (pending.Count > 0)
        {
            INamedTypeSymbol node = pending.Pop();
            if (_edges.ContainsKey(node))
            {
                continue;
            }

            var outgoing = new List<TypeEdge>();
            _edges.Add(node, outgoing);
            foreach (IFieldSymbol field in InstanceFields(node))
            {
                bool throughContainer = symbols.IsContainer(field.Type);
                foreach (INamedTypeSymbol target in Targets(field.Type))
                {
                    outgoing.Add(new TypeEdge(node, field, target, throughContainer));
                    pending.Push(target);
                }
            }
        }

        Cycles = CycleAnalysis.Analyze(Nodes.ToList(), this);
    }

    /// <summary>The RefObject types declared in this compilation's source.</summary>
    public IReadOnlyList<INamedTypeSymbol> SourceTypes { get; }

    /// <summary>Every node: the source types and the types their strong fields reach.</summary>
    public IEnumerable<INamedTypeSymbol> Nodes => _edges.Keys;

    /// <summary>The cycles of the graph, their back edges and what they hold.</summary>
    public CycleAnalysis Cycles { get; }

    public static TypeGraph For(Compilation compilation, RefHeapSymbols symbols) =>
        Cache.GetValue(compilation, c => new TypeGraph(c, symbols));

    public IReadOnlyList<TypeEdge> Outgoing(INamedTypeSymbol node) =>
        _edges.TryGetValue(node, out List<TypeEdge>? edges) ? edges : (IReadOnlyList<TypeEdge>)System.Array.Empty<TypeEdge>();

    private static List<TValue> GetOrAdd<TValue>(Dictionary<INamedTypeSymbol, List<TValue>> map, INamedTypeSymbol key)
    {
        if (!map.TryGetValue(key, out List<TValue>? list))
        {
            list = new List<TValue>();
            map.Add(key, list);
        }

        return list;
    }

    private static int GenericDepth(ITypeSymbol type) =>
        type is INamedTypeSymbol { IsGenericType: true } named ? 1 + named.TypeArguments.Select(GenericDepth).DefaultIfEmpty(0).Max() : 0;

    private IEnumerable<INamedTypeSymbol> SourceRefObjectTypes(INamespaceOrTypeSymbol container)
    {
        foreach (ISymbol member in container.GetMembers())
        {
            if (member is INamespaceSymbol ns)
            {
                foreach (INamedTypeSymbol type in SourceRefObjectTypes(ns))
                {
                    yield return type;
                }
            }
            else if (member is INamedTypeSymbol type)
            {
                if (type.TypeKind == TypeKind.Class && _symbols.IsRefObjectType(type))
                {
                    yield return type;
                }

                foreach (INamedTypeSymbol nested in SourceRefObjectTypes(type))
                {
                    yield return nested;
                }
            }
        }
    }

    private IEnumerable<IFieldSymbol> InstanceFields(INamedTypeSymbol type)
    {
        for (INamedTypeSymbol? t = type; t is not null && !SymbolEqualityComparer.Default.Equals(t, _symbols.RefObject); t = t.BaseType)
        {
            foreach (ISymbol member in t.GetMembers())
            {
                if (member is IFieldSymbol field && _symbols.IsStrongField(field))
                {
                    yield return field;
                }
            }
        }
    }

    /// <summary>The node types a field of <paramref name="type"/> can hold strongly.</summary>
    private IEnumerable<INamedTypeSymbol> Targets(ITypeSymbol type)
    {
        if (_symbols.ContainerItemType(type) is { } item)
        {
            foreach (INamedTypeSymbol target in Targets(item))
            {
                yield return target;
            }

            yield break;
        }

        if (type is not INamedTypeSymbol named || named.TypeKind != TypeKind.Class ||
            SymbolEqualityComparer.Default.Equals(named, _symbols.RefObject) || !_symbols.IsRefObjectType(named))
        {
            yield break;
        }

        yield return GenericDepth(named) > MaxGenericDepth ? named.OriginalDefinition : named;
        if (_sourceSubtypes.TryGetValue(named.OriginalDefinition, out List<INamedTypeSymbol>? subtypes))
        {
            foreach (INamedTypeSymbol subtype in subtypes)
            {
                yield return subtype;
            }
        }
    }
}
