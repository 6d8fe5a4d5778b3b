using System.Composition;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using System.Linq;

namespace RefSafety.CodeFixes.Balance;

/// <summary>
/// REFS002 fixes. "Remove the extra release" deletes the <c>x.DecRef();</c> / <c>x.Dispose();</c> statement that
/// releases a reference the method does not own. "IncRef before storing" keeps the release and instead gives the
/// field the reference it took: when the over-release comes from a plain store <c>o.F = x;</c> earlier in the same
/// block, <c>x.IncRef();</c> goes before that store.
/// </summary>
[ExportCodeFixProvider(Microsoft.CodeAnalysis.LanguageNames.CSharp, Name = nameof(REFS002RemoveExtraReleaseFix))]
[Shared]
public sealed class REFS002RemoveExtraReleaseFix : BalanceFix
{
    /// <inheritdoc/>
    public override System.Collections.Immutable.ImmutableArray<string> FixableDiagnosticIds { get; } = BalanceEdits.Ids("REFS002");

    private protected override System.Collections.Generic.IReadOnlyList<(string Title, System.Func<SyntaxNode, Diagnostic, BalanceEdit?> Edit)> Actions { get; } =
        new (string, System.Func<SyntaxNode, Diagnostic, BalanceEdit?>)[] { ("Remove the extra release", RemoveEdit), ("IncRef before storing", IncRefBeforeStoreEdit) };

    private static BalanceEdit? IncRefBeforeStoreEdit(SyntaxNode root, Diagnostic diagnostic)
    {
        if (root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true) is not InvocationExpressionSyntax { Parent: ExpressionStatementSyntax release }
            || release.Parent is not BlockSyntax block
            || BalanceEdits.VariableName(diagnostic) is not { } name)
        {
            return null;
        }

        ExpressionStatementSyntax? store = block.Statements
            .TakeWhile(statement => statement != release)
            .OfType<ExpressionStatementSyntax>()
            .LastOrDefault(statement => statement.Expression is AssignmentExpressionSyntax { Left: MemberAccessExpressionSyntax, Right: IdentifierNameSyntax stored } && stored.Identifier.ValueText == name);
        return store is null ? null : editor => editor.InsertBefore(store, BalanceEdits.Call(SyntaxFactory.IdentifierName(name), "IncRef"));
    }

    private static BalanceEdit? RemoveEdit(SyntaxNode root, Diagnostic diagnostic) =>
        root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true) is InvocationExpressionSyntax { Parent: ExpressionStatementSyntax statement }
            && BalanceEdits.StatementInBlock(statement) is not null
            ? editor => editor.RemoveNode(statement)
            : null;
}
