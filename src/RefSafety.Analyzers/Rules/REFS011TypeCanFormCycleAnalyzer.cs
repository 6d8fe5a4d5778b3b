using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using RefSafety.Analyzers.Cycles;

using RefSafety.Analyzers.Engine;

namespace RefSafety.Analyzers.Rules;

/// <summary>
/// REFS011: the strong-field graph of the compilation's RefObject types has a cycle. Reported once per cycle, on
/// the field chosen as its back edge (see <see cref="CycleAnalysis"/>). Needs the whole compilation, so it reports
/// in a compilation action (at compilation end: on build and in full-solution analysis, not as you type).
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class REFS011TypeCanFormCycleAnalyzer : DiagnosticAnalyzer
{
    /// <inheritdoc/>
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(Descriptors.REFS011TypeCanFormCycle);

    /// <inheritdoc/>
    public override void Initialize(AnalysisContext context)
    {
        context.EnableConcurrentExecution();
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.RegisterCompilationAction(end =>
        {
            if (RefHeapSymbols.For(end.Compilation) is not { } symbols)
            {
                return;
            }

            foreach (BackEdge backEdge in TypeGraph.For(end.Compilation, symbols).Cycles.BackEdges)
            {
                foreach (Location location in backEdge.Field.Locations)
                {
                    if (location.IsInSource)
                    {
                        ImmutableDictionary<string, string?> properties = WeakFixProperties.For(backEdge.TargetHasOtherOwner ? backEdge.Field : null);
                        end.ReportDiagnostic(Diagnostic.Create(Descriptors.REFS011TypeCanFormCycle, location, properties, backEdge.Field.Name, backEdge.Describe()));
                    }
                }
            }
        });
    }
}
