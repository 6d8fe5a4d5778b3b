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
            && !ReleasesAReferenceFromBeforeTheLoop(statement, BalanceEdits.VariableName(diagnostic))
            ? editor => editor.RemoveNode(statement)
            : null;

    /// <summary>
    /// A release inside a loop of a variable declared before the loop (<c>var b = new B(); do { b.DecRef(); } while (…);</c>):
    /// it is extra from the second round on, but the first round's release was owed, so removing it would leak. The
    /// release belongs after the loop; that is the developer's call, and "Remove" is not offered.
    /// </summary>
    private static bool ReleasesAReferenceFromBeforeTheLoop(StatementSyntax release, string? name)
    {
        if (name is null)
        {
            return false;
        }

        foreach (SyntaxNode loop in release.Ancestors().TakeWhile(n => n is not (MemberDeclarationSyntax or LocalFunctionStatementSyntax or AnonymousFunctionExpressionSyntax)))
        {
            if (loop is ForStatementSyntax or ForEachStatementSyntax or WhileStatementSyntax or DoStatementSyntax &&
                !loop.DescendantNodes().OfType<VariableDeclaratorSyntax>().Any(v => v.Identifier.ValueText == name) &&
                !(loop is ForEachStatementSyntax each && each.Identifier.ValueText == name))
            {
                return true;
            }
        }

        return false;
    }
}
