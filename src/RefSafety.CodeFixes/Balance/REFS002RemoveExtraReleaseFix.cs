using System.Composition;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace RefSafety.CodeFixes.Balance;

/// <summary>REFS002: "Remove the extra release": deletes the <c>x.DecRef();</c> / <c>x.Dispose();</c> statement that releases a reference the method does not own.</summary>
[ExportCodeFixProvider(Microsoft.CodeAnalysis.LanguageNames.CSharp, Name = nameof(REFS002RemoveExtraReleaseFix))]
[Shared]
public sealed class REFS002RemoveExtraReleaseFix : BalanceFix
{
    /// <inheritdoc/>
    public override System.Collections.Immutable.ImmutableArray<string> FixableDiagnosticIds { get; } = BalanceEdits.Ids("REFS002");

    private protected override System.Collections.Generic.IReadOnlyList<(string Title, System.Func<SyntaxNode, Diagnostic, BalanceEdit?> Edit)> Actions { get; } =
        new (string, System.Func<SyntaxNode, Diagnostic, BalanceEdit?>)[] { ("Remove the extra release", RemoveEdit) };

    private static BalanceEdit? RemoveEdit(SyntaxNode root, Diagnostic diagnostic) =>
        root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true) is InvocationExpressionSyntax { Parent: ExpressionStatementSyntax statement }
            && BalanceEdits.StatementInBlock(statement) is not null
            ? editor => editor.RemoveNode(statement)
            : null;
}
