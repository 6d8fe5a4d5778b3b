using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.FlowAnalysis;
using Microsoft.CodeAnalysis.Operations;
using RefSafety.Analyzers.Engine;
using RefSafety.Analyzers.Ownership;

namespace RefSafety.Analyzers.Rules;

/// <summary>
/// Runs the ownership analysis once per method body (and once per lambda and local function in it) and hands what it
/// saw to the balance rules REFS001–REFS005 and REFS007, each of which decides and words its own findings in its own file. One
/// analysis serves all five rules, so a method is never walked twice.
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
        Descriptors.REFS005BrokenContract,
        Descriptors.REFS007SafeHandleAddRefNotGuarded);

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
        if (context.OwningSymbol is not IMethodSymbol method || api.Increments(method) is not null || api.Decrements(method) is not null)
        {
            return; // a configured count method is the primitive itself: trusted, like RefObject.IncRef (Clang's trusted implementation)
        }

        foreach (IOperation root in context.OperationBlocks)
        {
            if (root is not (IMethodBodyOperation or IConstructorBodyOperation or IBlockOperation))
            {
                continue;
            }

            // Most bodies of a project never touch a counted reference: decide that on the operation tree, which
            // the driver has already built, before asking for a control flow graph (the expensive part).
            OwnershipBodyScan scan = OwnershipBodyScan.Of(FlowGraph.TopOf(root), method, model, api);
            if (!scan.MayFind)
            {
                continue;
            }

            foreach ((ControlFlowGraph graph, IMethodSymbol function) in FlowGraph.WithNestedGraphs(context.GetControlFlowGraph(root), method, scan.HasLambdas, context.CancellationToken))
            {
                OwnershipEvents events = OwnershipFlow.Analyze(graph, model, api, function, context.CancellationToken);
                REFS001ReferenceLeak.Report(events, context.ReportDiagnostic);
                REFS002OverRelease.Report(events, context.ReportDiagnostic);
                REFS003UseAfterRelease.Report(events, context.ReportDiagnostic);
                REFS004BorrowedEscapes.Report(events, context.ReportDiagnostic);
                REFS005BrokenContract.Report(events, context.ReportDiagnostic);
                REFS007SafeHandleAddRefNotGuarded.Report(events, context.ReportDiagnostic);
            }
        }
    }
}
