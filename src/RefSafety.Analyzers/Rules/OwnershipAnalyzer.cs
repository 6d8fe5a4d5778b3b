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
            if (model is null)
            {
                return;
            }

            // The .editorconfig APIs of each file, read once per file.
            var apis = new System.Collections.Concurrent.ConcurrentDictionary<SyntaxTree, ExternalApi>();
            ExternalApi ApiOf(SyntaxTree tree, AnalyzerOptions options) => apis.GetOrAdd(tree, t => ExternalApi.From(options.AnalyzerConfigOptionsProvider.GetOptions(t)));
            if (model.Symbols is not null)
            {
                start.RegisterOperationBlockAction(block => AnalyzeBlock(block, model, ApiOf(block.FilterTree, block.Options)));
            }
            else
            {
                // Only configured APIs, no RefHeap: most bodies name none of them, which their syntax tells. An operation
                // block action would have the driver build every body's operation tree first; a code block action
                // builds one only for the bodies that may name an API.
                start.RegisterCodeBlockAction(block => AnalyzeCodeBlock(block, model, ApiOf(block.CodeBlock.SyntaxTree, block.Options)));
            }
        });
    }

    private static void AnalyzeBlock(OperationBlockAnalysisContext context, OwnershipModel model, ExternalApi api)
    {
        if (context.OwningSymbol is IMethodSymbol method)
        {
            foreach (IOperation root in context.OperationBlocks)
            {
                AnalyzeBody(root, method, model, api, context.GetControlFlowGraph, context.ReportDiagnostic, context.CancellationToken);
            }
        }
    }

    private static void AnalyzeCodeBlock(CodeBlockAnalysisContext context, OwnershipModel model, ExternalApi api)
    {
        if (context.OwningSymbol is IMethodSymbol method && api.TracksHandles && api.MayBeNamedIn(context.CodeBlock)
            && context.SemanticModel.GetOperation(context.CodeBlock, context.CancellationToken) is { } root)
        {
            AnalyzeBody(root, method, model, api, body => GraphOf(body, context.CancellationToken), context.ReportDiagnostic, context.CancellationToken);
        }
    }

    private static ControlFlowGraph? GraphOf(IOperation body, System.Threading.CancellationToken cancellationToken) => body switch
    {
        IMethodBodyOperation method => ControlFlowGraph.Create(method, cancellationToken),
        IConstructorBodyOperation constructor => ControlFlowGraph.Create(constructor, cancellationToken),
        IBlockOperation { Parent: null } block => ControlFlowGraph.Create(block, cancellationToken),
        _ => null,
    };

    private static void AnalyzeBody(IOperation root, IMethodSymbol method, OwnershipModel model, ExternalApi api, System.Func<IOperation, ControlFlowGraph?> graphOf, System.Action<Diagnostic> report, System.Threading.CancellationToken cancellationToken)
    {
        if (api.Increments(method) is not null || api.Decrements(method) is not null)
        {
            return; // a configured count method is the primitive itself: trusted, like RefObject.IncRef (Clang's trusted implementation)
        }

        if (root is not (IMethodBodyOperation or IConstructorBodyOperation or IBlockOperation))
        {
            return;
        }

        // Most bodies of a project never touch a counted reference: decide that on the operation tree before asking
        // for a control flow graph (the expensive part).
        OwnershipBodyScan scan = OwnershipBodyScan.Of(FlowGraph.TopOf(root), method, model, api);
        if (!scan.MayFind || FlowGraph.IsTooDeepForAGraph(root) || graphOf(root) is not { } body)
        {
            return;
        }

        foreach ((ControlFlowGraph graph, IMethodSymbol function) in FlowGraph.WithNestedGraphs(body, method, scan.HasLambdas, cancellationToken))
        {
            OwnershipEvents events = OwnershipFlow.Analyze(graph, model, api, function, cancellationToken);
            REFS001ReferenceLeak.Report(events, report);
            REFS002OverRelease.Report(events, report);
            REFS003UseAfterRelease.Report(events, report);
            REFS004BorrowedEscapes.Report(events, report);
            REFS005BrokenContract.Report(events, report);
            REFS007SafeHandleAddRefNotGuarded.Report(events, report);
        }
    }
}
