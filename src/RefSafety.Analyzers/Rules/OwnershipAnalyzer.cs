using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.FlowAnalysis;
using Microsoft.CodeAnalysis.Operations;
using RefSafety.Analyzers.Dataflow;
using RefSafety.Analyzers.Ownership;

namespace RefSafety.Analyzers.Rules;

/// <summary>
/// Runs the ownership dataflow once per method body (and once per lambda and local function in it) and reports its
/// findings through the balance rules REFS001–REFS005, each defined in its own file. One analysis serves all five
/// rules, so a method is never walked twice.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class OwnershipAnalyzer : DiagnosticAnalyzer
{
    /// <inheritdoc/>
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(
        Descriptors.REFS001ReferenceLeak,
        Descriptors.REFS002OverRelease,
        Descriptors.REFS003UseAfterRelease,
        Descriptors.REFS004BorrowedEscapes,
        Descriptors.REFS005BrokenContract);

    /// <inheritdoc/>
    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterCompilationStartAction(start =>
        {
            // Resolved once per compilation; null (and no further work) when RefHeap is not referenced.
            OwnershipModel? model = OwnershipModel.TryCreate(start.Compilation, start.Options.AnalyzerConfigOptionsProvider);
            if (model is not null)
            {
                // The .editorconfig APIs of each file, read once per file.
                var apis = new System.Collections.Concurrent.ConcurrentDictionary<SyntaxTree, ExternalApi>();
                start.RegisterOperationBlockAction(block =>
                    AnalyzeBlock(block, model, apis.GetOrAdd(block.FilterTree, tree => ExternalApi.From(block.Options.AnalyzerConfigOptionsProvider.GetOptions(tree)))));
            }
        });
    }

    private static void AnalyzeBlock(OperationBlockAnalysisContext context, OwnershipModel model, ExternalApi api)
    {
        if (context.OwningSymbol is not IMethodSymbol method)
        {
            return;
        }

        foreach (IOperation root in context.OperationBlocks)
        {
            if (root is not (IMethodBodyOperation or IConstructorBodyOperation or IBlockOperation))
            {
                continue;
            }

            // Most bodies of a project never touch a counted reference: decide that on the operation tree, which
            // the driver has already built, before asking for a control flow graph (the expensive part).
            OwnershipBodyScan scan = OwnershipBodyScan.Of(TopOf(root), method, model, api);
            if (!scan.MayFind)
            {
                continue;
            }

            var graphs = new Queue<(ControlFlowGraph Graph, IMethodSymbol Method)>();
            graphs.Enqueue((context.GetControlFlowGraph(root), method));
            while (graphs.Count > 0)
            {
                context.CancellationToken.ThrowIfCancellationRequested();
                (ControlFlowGraph graph, IMethodSymbol owner) = graphs.Dequeue();
                foreach (OwnershipFinding finding in OwnershipDataflow.Analyze(graph, model, api, owner))
                {
                    context.ReportDiagnostic(Diagnose(finding));
                }

                foreach (IMethodSymbol localFunction in graph.LocalFunctions)
                {
                    graphs.Enqueue((graph.GetLocalFunctionControlFlowGraph(localFunction, context.CancellationToken), localFunction));
                }

                if (scan.HasLambdas)
                {
                    foreach (IFlowAnonymousFunctionOperation lambda in AnonymousFunctions(graph))
                    {
                        graphs.Enqueue((graph.GetAnonymousFunctionControlFlowGraph(lambda, context.CancellationToken), lambda.Symbol));
                    }
                }
            }
        }
    }

    /// <summary>The operation the graph of <paramref name="block"/> is built from: the method (or constructor) body above it.</summary>
    private static IOperation TopOf(IOperation block)
    {
        IOperation top = block;
        while (top.Parent is not null)
        {
            top = top.Parent;
        }

        return top;
    }

    private static IEnumerable<IFlowAnonymousFunctionOperation> AnonymousFunctions(ControlFlowGraph graph) =>
        graph.Blocks
            .SelectMany(b => b.BranchValue is null ? b.Operations : b.Operations.Add(b.BranchValue))
            .SelectMany(o => o.DescendantsAndSelf())
            .OfType<IFlowAnonymousFunctionOperation>();

    private static Diagnostic Diagnose(OwnershipFinding finding) => finding.Problem switch
    {
        OwnershipProblem.Leak => REFS001ReferenceLeak.Diagnose(finding),
        OwnershipProblem.OverRelease => REFS002OverRelease.Diagnose(finding),
        OwnershipProblem.UseAfterRelease => REFS003UseAfterRelease.Diagnose(finding),
        OwnershipProblem.BorrowedEscapes => REFS004BorrowedEscapes.Diagnose(finding),
        _ => REFS005BrokenContract.Diagnose(finding),
    };
}
