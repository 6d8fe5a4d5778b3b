using System;
using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;
using RefSafety.Analyzers.Ownership;

namespace RefSafety.Analyzers.Rules;

/// <summary>
/// REFS006: code that writes a reference count directly, through <c>DangerousSetRefCount</c> or through reflection
/// on RefHeap's count (a <c>GetField</c>/<c>GetProperty</c> call naming it). No fix: the only fix is not to.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class REFS006DirectRefCountManipulation : DiagnosticAnalyzer
{
    /// <inheritdoc/>
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(Descriptors.REFS006DirectRefCountManipulation);

    /// <inheritdoc/>
    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterCompilationStartAction(start =>
        {
            OwnershipModel? model = OwnershipModel.TryCreate(start.Compilation);
            INamedTypeSymbol? systemType = start.Compilation.GetTypeByMetadataName("System.Type");
            if (model is not null)
            {
                start.RegisterOperationAction(operation => Analyze(operation, model, systemType), OperationKind.Invocation);
            }
        });
    }

    private static void Analyze(OperationAnalysisContext context, OwnershipModel model, INamedTypeSymbol? systemType)
    {
        var invocation = (IInvocationOperation)context.Operation;
        IMethodSymbol method = invocation.TargetMethod;
        if (OwnershipModel.Is(method, model.DangerousSetRefCount))
        {
            string target = invocation.Instance?.Syntax.ToString() ?? "this";
            context.ReportDiagnostic(Diagnostic.Create(Descriptors.REFS006DirectRefCountManipulation, invocation.Syntax.GetLocation(), "DangerousSetRefCount", target));
            return;
        }

        if (method.Name is "GetField" or "GetProperty"
            && SymbolEqualityComparer.Default.Equals(method.ContainingType, systemType)
            && invocation.Arguments.Length > 0
            && invocation.Arguments[0].Value.ConstantValue is { HasValue: true, Value: string name }
            && name.IndexOf("refcount", StringComparison.OrdinalIgnoreCase) >= 0)
        {
            string target = invocation.Instance?.Syntax.ToString() ?? "the object";
            context.ReportDiagnostic(Diagnostic.Create(Descriptors.REFS006DirectRefCountManipulation, invocation.Syntax.GetLocation(), "Reflection on '" + name + "'", target));
        }
    }
}
