using System.Composition;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace RefSafety.CodeFixes.Balance;

/// <summary>
/// REFS004: "IncRef before escaping": inserts <c>x.IncRef();</c> before the statement that hands the borrowed
/// reference on, so the receiver gets a reference of its own. Offered for names and member chains (evaluating them
/// twice has no side effect), in statement bodies.
/// </summary>
[ExportCodeFixProvider(Microsoft.CodeAnalysis.LanguageNames.CSharp, Name = nameof(REFS004IncRefBeforeEscapingFix))]
[Shared]
public sealed class REFS004IncRefBeforeEscapingFix : BalanceFix
{
    /// <inheritdoc/>
    public override System.Collections.Immutable.ImmutableArray<string> FixableDiagnosticIds { get; } = BalanceEdits.Ids("REFS004");

    private protected override System.Collections.Generic.IReadOnlyList<(string Title, System.Func<SyntaxNode, Diagnostic, BalanceEdit?> Edit)> Actions { get; } =
        new (string, System.Func<SyntaxNode, Diagnostic, BalanceEdit?>)[] { ("IncRef before escaping", IncRefEdit) };

    private static BalanceEdit? IncRefEdit(SyntaxNode root, Diagnostic diagnostic)
    {
        if (root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true) is not ExpressionSyntax escaping
            || !BalanceEdits.IsSimpleName(escaping)
            || BalanceEdits.StatementInBlock(escaping) is not { } statement)
        {
            return null;
        }

        return editor => editor.InsertBefore(statement, BalanceEdits.Call(escaping, "IncRef"));
    }
}
