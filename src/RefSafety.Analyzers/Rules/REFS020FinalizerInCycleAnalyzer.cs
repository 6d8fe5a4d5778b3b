using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using RefSafety.Analyzers.Cycles;

using RefSafety.Analyzers.Engine;

namespace RefSafety.Analyzers.Rules;

/// <summary>
/// REFS020: a type with a finalizer (an <c>OnFinalize</c> override, its own or inherited) is part of a strong cycle
/// of the type graph, or a cycle reaches it. A finalizer type that only points into a cycle dies by reference
/// counting and is not reported. Needs the whole compilation, so it reports at compilation end.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class REFS020FinalizerInCycleAnalyzer : DiagnosticAnalyzer
{
    /// <inheritdoc/>
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(Descriptors.REFS020FinalizerInCycle);

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

            TypeGraph graph = TypeGraph.For(end.Compilation, symbols);
            foreach (INamedTypeSymbol type in graph.SourceTypes)
            {
                if (!symbols.HasFinalizer(type) || Hazard(graph.Cycles, type, out BackEdge? backEdge) is not { } hazard)
                {
                    continue;
                }

                ImmutableDictionary<string, string?> properties = WeakFixProperties.For(backEdge is { TargetHasOtherOwner: true } ? backEdge.Field : null);
                end.ReportDiagnostic(Diagnostic.Create(Descriptors.REFS020FinalizerInCycle, ReportLocation(symbols, type), properties, type.Name, hazard));
            }
        });
    }

    /// <summary>Why the type's instances can be cyclic trash, or null when they cannot; <paramref name="backEdge"/> is the cycle's back edge.</summary>
    private static string? Hazard(CycleAnalysis cycles, INamedTypeSymbol type, out BackEdge? backEdge)
    {
        if (cycles.IsInCycle(type, out backEdge))
        {
            return backEdge is null ? "can sit in a strong reference cycle" : $"can sit in the strong reference cycle {backEdge.Describe()}";
        }

        if (cycles.IsHeldByCycle(type, out IReadOnlyList<TypeEdge> path))
        {
            cycles.IsInCycle(path[0].From, out backEdge);
            return $"can be held by a strong reference cycle through {string.Join(" → ", path.Select(e => e.ToString()))}";
        }

        return null;
    }

    /// <summary>The type's own OnFinalize override when it has one (where the fix applies), else the type's name.</summary>
    private static Location ReportLocation(RefHeapSymbols symbols, INamedTypeSymbol type) =>
        (symbols.DeclaredFinalizer(type)?.Locations ?? type.Locations).FirstOrDefault(l => l.IsInSource) ?? type.Locations[0];
}
