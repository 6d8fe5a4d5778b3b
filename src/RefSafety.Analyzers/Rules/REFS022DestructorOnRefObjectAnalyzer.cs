using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using RefSafety.Analyzers.Cycles;

using RefSafety.Analyzers.Engine;

namespace RefSafety.Analyzers.Rules;

/// <summary>REFS022: a RefObject type declares a C# destructor (<c>~Node()</c>) instead of overriding <c>OnFinalize</c>.</summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class REFS022DestructorOnRefObjectAnalyzer : DiagnosticAnalyzer
{
    /// <inheritdoc/>
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(Descriptors.REFS022DestructorOnRefObject);

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

            start.RegisterSymbolAction(
                symbolContext =>
                {
                    var method = (IMethodSymbol)symbolContext.Symbol;
                    if (method.MethodKind == MethodKind.Destructor && symbols.IsRefObjectType(method.ContainingType))
                    {
                        foreach (Location location in method.Locations)
                        {
                            symbolContext.ReportDiagnostic(Diagnostic.Create(Descriptors.REFS022DestructorOnRefObject, location, method.ContainingType.Name));
                        }
                    }
                },
                SymbolKind.Method);
        });
    }
}
