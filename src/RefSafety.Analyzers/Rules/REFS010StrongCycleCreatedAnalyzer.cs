using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.FlowAnalysis;
using Microsoft.CodeAnalysis.Operations;
using RefSafety.Analyzers.Cycles;

using RefSafety.Analyzers.Engine;

namespace RefSafety.Analyzers.Rules;

/// <summary>
/// REFS010: within one method (or lambda, or local function), stores into strong fields and containers close a
/// cycle among objects the method names, and the cycle still exists when the method returns (or throws). The stores
/// are the method's own and those of the methods, setters and constructors it calls (their summaries are computed
/// once per compilation). Reported on the last store of the cycle. Per method, so it reports as you type.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class REFS010StrongCycleCreatedAnalyzer : DiagnosticAnalyzer
{
    /// <inheritdoc/>
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(Descriptors.REFS010StrongCycleCreated);

    /// <inheritdoc/>
    public override void Initialize(AnalysisContext context)
    {
        context.EnableConcurrentExecution();
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.RegisterCompilationStartAction(start =>
        {
            if (RefHeapSymbols.For(start.Compilation) is not { } symbols)
            {
                return;
            }

            var summaries = new StoreSummaries(start.Compilation, symbols);
            start.RegisterOperationBlockAction(block =>
            {
                foreach (IOperation operationBlock in block.OperationBlocks)
                {
                    // The body's block hangs under the method (or constructor) body operation, which is the graph's root.
                    IOperation root = FlowGraph.TopOf(operationBlock);

                    if (root is IMethodBodyOperation or IConstructorBodyOperation or IBlockOperation && block.OwningSymbol is IMethodSymbol function &&
                        ReferenceEquals(root, operationBlock.Parent ?? operationBlock) && StoreFlowAnalysis.MayCreateEdge(root, symbols, summaries, block.CancellationToken)
                        && !FlowGraph.IsTooDeepForAGraph(root))
                    {
                        ControlFlowGraph body = block.GetControlFlowGraph(operationBlock);
                        foreach ((ControlFlowGraph graph, _) in FlowGraph.WithNestedGraphs(body, function, withLambdas: true, block.CancellationToken))
                        {
                            Report(block, symbols, StoreFlowAnalysis.Run(symbols, graph, summaries, block.CancellationToken));
                        }
                    }
                }
            });
        });
    }

    private static void Report(OperationBlockAnalysisContext context, RefHeapSymbols symbols, StoreFlowAnalysis analysis)
    {
        foreach (List<HeapEdge> cycle in analysis.CyclesAtExit())
        {
            IOperation closing = cycle.Where(e => e.Store is not null).Select(e => e.Store!).OrderBy(s => s.Syntax.SpanStart).Last();
            ImmutableDictionary<string, string?> properties = WeakFixProperties.For(WeakFixCandidate(context.Compilation, symbols, cycle));
            context.ReportDiagnostic(Diagnostic.Create(Descriptors.REFS010StrongCycleCreated, closing.Syntax.GetLocation(), properties, Describe(cycle, analysis.AllocationNames, symbols)));
        }
    }

    /// <summary>
    /// The field of the cycle to offer making weak: a stored source field named like a back edge (Parent, Owner, ...)
    /// whose target another strong field of the type graph can own. The graph is built (once per compilation) only
    /// when a cycle is actually reported.
    /// </summary>
    private static IFieldSymbol? WeakFixCandidate(Compilation compilation, RefHeapSymbols symbols, List<HeapEdge> cycle)
    {
        IFieldSymbol? candidate = cycle
            .Select(e => e.Store switch
            {
                ISimpleAssignmentOperation { Target: IFieldReferenceOperation field } => field.Field,
                // RefField.Set(ref a.Parent, p): the field is the call's; a call to a summarized method names none.
                IInvocationOperation { Arguments: { Length: > 0 } arguments } invocation when
                    SymbolEqualityComparer.Default.Equals(invocation.TargetMethod.ContainingType, symbols.RefField) && arguments[0].Value is IFieldReferenceOperation field => field.Field,
                _ => null,
            })
            .FirstOrDefault(f => f is not null && symbols.IsStrongField(f) && f.Locations.Any(l => l.IsInSource) && CycleAnalysis.IsNamedLikeBackEdge(f.Name));
        return candidate is not null && TypeGraph.For(compilation, symbols).Cycles.TargetHasOtherOwner(candidate) ? candidate : null;
    }

    /// <summary>"a.Next → b.Next → a": each object with the field it stores, back to the first object.</summary>
    internal static string Describe(List<HeapEdge> cycle, Dictionary<SyntaxNode, string> allocationNames, RefHeapSymbols symbols)
    {
        var parts = new List<string>();
        // Where the run of implied edges that ends the cycle starts (a → a.Next → a.Next.Next), or -1.
        int impliedFrom = -1;
        for (int i = 0; i < cycle.Count; i++)
        {
            HeapEdge edge = cycle[i];
            // An edge the method only read (parent → parent.Children) is implied by the next part's name.
            bool implied = edge.Store is null && edge.Target.Kind == AbstractObject.ObjectKind.FieldValue &&
                edge.Target.Equals(cycle[(i + 1) % cycle.Count].Source);
            impliedFrom = !implied ? -1 : impliedFrom < 0 ? i : impliedFrom;
            if (!implied)
            {
                string source = ReceiverText(edge, symbols) ?? Name(edge.Source, allocationNames);
                parts.Add(edge.IsSlot ? source + edge.Field : $"{source}.{edge.Field}");
            }
        }

        parts.Add(impliedFrom >= 0
            ? Name(cycle[impliedFrom].Source, allocationNames)
            : ReceiverText(cycle[0], symbols) ?? Name(cycle[0].Source, allocationNames));
        return string.Join(" → ", parts);
    }

    /// <summary>
    /// How the store spelled the object it wrote into (<c>n</c> in <c>n.Self = n</c>), so the message uses the code's
    /// own names; null for an edge a callee's summary made (the call or setter names no receiver of that field).
    /// </summary>
    private static string? ReceiverText(HeapEdge edge, RefHeapSymbols symbols)
    {
        IOperation? receiver = edge.Store switch
        {
            ISimpleAssignmentOperation { Target: IPropertyReferenceOperation { Property.IsIndexer: true } indexer } => indexer.Instance,
            ISimpleAssignmentOperation { Target: IMemberReferenceOperation member } when member.Member.Name == edge.Field => member.Instance,
            IEventAssignmentOperation { EventReference: IMemberReferenceOperation member } => member.Instance,
            IInvocationOperation { TargetMethod.IsStatic: true, Arguments: { Length: > 0 } arguments } invocation when
                SymbolEqualityComparer.Default.Equals(invocation.TargetMethod.ContainingType, symbols.RefField) && arguments[0].Value is IMemberReferenceOperation member => member.Instance,
            IInvocationOperation invocation when symbols.IsContainer(invocation.Instance?.Type) => invocation.Instance,
            _ => null,
        };
        return receiver switch
        {
            null => null,
            IInstanceReferenceOperation { ReferenceKind: InstanceReferenceKind.ContainingTypeInstance, IsImplicit: true } => "this",
            { IsImplicit: true } => null, // the object an initializer fills is named by the variable it goes to
            _ => receiver.Syntax.ToString(),
        };
    }

    private static string Name(AbstractObject obj, Dictionary<SyntaxNode, string> allocationNames) =>
        obj.Kind switch
        {
            AbstractObject.ObjectKind.This => "this",
            AbstractObject.ObjectKind.Parameter => obj.Symbol!.Name,
            AbstractObject.ObjectKind.Allocation => allocationNames.TryGetValue(obj.Site!, out string? name) ? name : obj.Site!.ToString(),
            AbstractObject.ObjectKind.FieldValue => $"{Name(obj.Owner!, allocationNames)}.{obj.Field}",
            _ => "?",
        };
}
