using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.FlowAnalysis;
using Microsoft.CodeAnalysis.Operations;

using RefSafety.Analyzers.Engine;

namespace RefSafety.Analyzers.Cycles;

/// <summary>
/// An object a method can reach from what its caller passes: <c>this</c> (<see cref="Root"/> -1) or a parameter
/// (its ordinal), then the strong fields read from it (<c>this._children</c>).
/// </summary>
internal sealed class AccessPath
{
    public AccessPath(int root, ImmutableArray<string> fields)
    {
        Root = root;
        Fields = fields;
    }

    /// <summary>-1 for <c>this</c>, else the parameter's ordinal.</summary>
    public int Root { get; }

    public ImmutableArray<string> Fields { get; }

    /// <summary>The path of <paramref name="obj"/> in <paramref name="method"/>'s own terms, or null when its caller cannot name it (an allocation, a loop's summary).</summary>
    public static AccessPath? Of(AbstractObject obj, IMethodSymbol method) =>
        obj.Kind switch
        {
            AbstractObject.ObjectKind.This => new AccessPath(-1, ImmutableArray<string>.Empty),
            AbstractObject.ObjectKind.Parameter when obj.Symbol is IParameterSymbol parameter && SymbolEqualityComparer.Default.Equals(parameter.ContainingSymbol, method) =>
                new AccessPath(parameter.Ordinal, ImmutableArray<string>.Empty),
            AbstractObject.ObjectKind.FieldValue when !obj.IsSummary && Of(obj.Owner!, method) is { } owner => new AccessPath(owner.Root, owner.Fields.Add(obj.Field!)),
            _ => null,
        };
}

/// <summary>
/// One field (or container slot) of an object the caller passes that a method leaves holding <see cref="Values"/>,
/// and maybe values the caller cannot name (<see cref="AlsoUntracked"/>). <see cref="Replaces"/>: the method
/// overwrites the field on every path to its normal return, so what the field held before is gone.
/// </summary>
internal sealed class SummaryStore
{
    public SummaryStore(AccessPath owner, string field, ImmutableArray<AccessPath> values, bool alsoUntracked, bool replaces)
    {
        Owner = owner;
        Field = field;
        Values = values;
        AlsoUntracked = alsoUntracked;
        Replaces = replaces;
    }

    public AccessPath Owner { get; }

    public string Field { get; }

    public ImmutableArray<AccessPath> Values { get; }

    public bool AlsoUntracked { get; }

    public bool Replaces { get; }
}

/// <summary>An item a method removes, on every path, from a container the caller passes (every item when <see cref="Item"/> is null: a Clear).</summary>
internal sealed class SummaryRemoval
{
    public SummaryRemoval(AccessPath container, AccessPath? item)
    {
        Container = container;
        Item = item;
    }

    public AccessPath Container { get; }

    public AccessPath? Item { get; }
}

/// <summary>What a method does to the objects its caller passes: the edges it leaves, the container items it removes.</summary>
internal sealed class MethodSummary
{
    public MethodSummary(ImmutableArray<SummaryStore> stores, ImmutableArray<SummaryRemoval> removals)
    {
        Stores = stores;
        Removals = removals;
    }

    public static MethodSummary Nothing { get; } = new(ImmutableArray<SummaryStore>.Empty, ImmutableArray<SummaryRemoval>.Empty);

    public ImmutableArray<SummaryStore> Stores { get; }

    public ImmutableArray<SummaryRemoval> Removals { get; }
}

/// <summary>
/// What the source methods, property setters and constructors of one compilation store into (and remove from) the
/// objects their callers pass, so that a call (<c>Link(a, b)</c>), a property assignment (<c>n.Next = m</c> with a setter that
/// stores <c>value</c>) or a <c>new</c> makes the same edges at the call site as the stores it stands for. Computed
/// once per method, when a call to it is first analyzed, and cached for the compilation. One level deep: a summary
/// comes from the method's own stores, the calls it makes are not followed, so computing one never needs another
/// (no recursion, recursive methods included). Virtual, abstract and interface methods have none: which body runs
/// is not known.
/// </summary>
internal sealed class StoreSummaries
{
    private readonly Compilation _compilation;
    private readonly RefHeapSymbols _symbols;
    private readonly ConcurrentDictionary<IMethodSymbol, MethodSummary> _cache = new(SymbolEqualityComparer.Default);

    public StoreSummaries(Compilation compilation, RefHeapSymbols symbols)
    {
        _compilation = compilation;
        _symbols = symbols;
    }

    /// <summary>The summary of <paramref name="method"/> (<see cref="MethodSummary.Nothing"/> when it changes nothing or nothing can be known).</summary>
    public MethodSummary Of(IMethodSymbol? method, CancellationToken cancellationToken)
    {
        method = (method?.ReducedFrom ?? method)?.OriginalDefinition;
        if (method is null || !CanSummarize(method))
        {
            return MethodSummary.Nothing;
        }

        if (_cache.TryGetValue(method, out MethodSummary? known))
        {
            return known;
        }

        return _cache.GetOrAdd(method, Compute(method, cancellationToken));
    }

    /// <summary>A non-virtual method with a body in this compilation that can name at least one RefObject (this or a parameter).</summary>
    private bool CanSummarize(IMethodSymbol method) =>
        method.MethodKind is MethodKind.Ordinary or MethodKind.PropertySet or MethodKind.Constructor &&
        !method.IsAbstract && !method.IsExtern &&
        !((method.IsVirtual || method.IsOverride) && !method.IsSealed && !method.ContainingType.IsSealed) &&
        method.ContainingType.TypeKind != TypeKind.Interface &&
        SymbolEqualityComparer.Default.Equals(method.ContainingAssembly, _compilation.Assembly) &&
        ((!method.IsStatic && _symbols.IsRefObjectType(method.ContainingType)) || method.Parameters.Any(p => _symbols.IsRefObjectType(p.Type)));

    private MethodSummary Compute(IMethodSymbol method, CancellationToken cancellationToken)
    {
        foreach (SyntaxReference reference in (method.PartialImplementationPart ?? method).DeclaringSyntaxReferences)
        {
            SyntaxNode declaration = reference.GetSyntax(cancellationToken);
            // The callee's body is in another block than the one being analyzed, so only the compilation can give its
            // operations. Inside the analyzer driver this model comes from the driver's own cache.
            SemanticModel model = _compilation.GetSemanticModel(declaration.SyntaxTree);
            ControlFlowGraph? graph = model.GetOperation(declaration, cancellationToken) switch
            {
                IMethodBodyOperation body when MayChangeEdges(body, cancellationToken) && !FlowGraph.IsTooDeepForAGraph(body) => ControlFlowGraph.Create(body, cancellationToken),
                IConstructorBodyOperation body when MayChangeEdges(body, cancellationToken) && !FlowGraph.IsTooDeepForAGraph(body) => ControlFlowGraph.Create(body, cancellationToken),
                _ => null,
            };
            if (graph is not null)
            {
                return StoreFlowAnalysis.Summarize(_symbols, graph, method, cancellationToken);
            }
        }

        return MethodSummary.Nothing;
    }

    /// <summary>The callee's own pre-check: it may make an edge, or remove a list's items (a field it clears is a store).</summary>
    private bool MayChangeEdges(IOperation body, CancellationToken cancellationToken) =>
        StoreFlowAnalysis.MayCreateEdge(body, _symbols, null, cancellationToken) ||
        body.Descendants().Any(o => o is IInvocationOperation { TargetMethod.Name: "Remove" or "Clear" } invocation && _symbols.IsContainer(invocation.Instance?.Type));
}
