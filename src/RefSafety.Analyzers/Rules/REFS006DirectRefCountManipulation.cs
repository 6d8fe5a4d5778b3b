using System;
using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;
using RefSafety.Analyzers.Ownership;

using RefSafety.Analyzers.Engine;

namespace RefSafety.Analyzers.Rules;

/// <summary>
/// REFS006: code that writes a reference count directly, through <c>DangerousSetRefCount</c> or through reflection
/// on RefHeap's count (a <c>GetField</c>/<c>GetProperty</c> call naming it). No fix: the only fix is not to.
/// </summary>
/// <remarks>
/// A syntax rule first: only calls spelled with one of those three names get an operation tree, so the rule does not
/// make the compiler build one for every body of the project.
/// </remarks>
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
                start.RegisterSyntaxNodeAction(node => AnalyzeSyntax(node, model, systemType), SyntaxKind.InvocationExpression);
            }
        });
    }

    private static void AnalyzeSyntax(SyntaxNodeAnalysisContext context, OwnershipModel model, INamedTypeSymbol? systemType)
    {
        var syntax = (InvocationExpressionSyntax)context.Node;
        if (CalledName(syntax.Expression) is "DangerousSetRefCount" or "GetField" or "GetProperty"
            && context.SemanticModel.GetOperation(syntax, context.CancellationToken) is IInvocationOperation invocation)
        {
            Analyze(context, invocation, model, systemType);
        }
    }

    /// <summary>The simple name a call is spelled with (<c>M</c> in <c>M()</c>, <c>x.M()</c>, <c>x?.M()</c>, <c>M&lt;T&gt;()</c>), or null.</summary>
    private static string? CalledName(ExpressionSyntax expression) =>
        expression switch
        {
            SimpleNameSyntax name => name.Identifier.ValueText,
            MemberAccessExpressionSyntax memberAccess => memberAccess.Name.Identifier.ValueText,
            MemberBindingExpressionSyntax memberBinding => memberBinding.Name.Identifier.ValueText,
            _ => null,
        };

    private static void Analyze(SyntaxNodeAnalysisContext context, IInvocationOperation invocation, OwnershipModel model, INamedTypeSymbol? systemType)
    {
        IMethodSymbol method = invocation.TargetMethod;
        if (RefHeapSymbols.Is(method, model.Symbols?.DangerousSetRefCount))
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
