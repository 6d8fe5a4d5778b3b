using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Composition;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace RefSafety.CodeFixes.Balance;

/// <summary>
/// REFS003: "Move the release after the last use": moves the <c>x.DecRef();</c> / <c>x.Dispose();</c> statement that
/// precedes the use to just after the last statement of the same block that mentions <c>x</c>. Offered when the
/// release and the uses are statements of one block (moving across blocks could change other paths).
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(REFS003MoveReleaseAfterLastUseFix))]
[Shared]
public sealed class REFS003MoveReleaseAfterLastUseFix : BalanceFix
{
    /// <inheritdoc/>
    public override ImmutableArray<string> FixableDiagnosticIds { get; } = BalanceEdits.Ids("REFS003");

    private protected override IReadOnlyList<(string Title, Func<SyntaxNode, Diagnostic, BalanceEdit?> Edit)> Actions { get; } =
        new (string, Func<SyntaxNode, Diagnostic, BalanceEdit?>)[] { ("Move the release after the last use", MoveEdit) };

    private static BalanceEdit? MoveEdit(SyntaxNode root, Diagnostic diagnostic)
    {
        if (BalanceEdits.VariableName(diagnostic) is not { } name
            || BalanceEdits.StatementInBlock(root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true)) is not { Parent: BlockSyntax block } use)
        {
            return null;
        }

        List<StatementSyntax> statements = block.Statements.ToList();
        int useIndex = statements.IndexOf(use);
        ExpressionStatementSyntax? release = statements.Take(useIndex).OfType<ExpressionStatementSyntax>().LastOrDefault(s => IsReleaseOf(s, name));
        if (release is null)
        {
            return null;
        }

        StatementSyntax lastUse = statements.Skip(useIndex).Last(s => BalanceEdits.References(s, name).Any() || s == use);
        if (lastUse is ReturnStatementSyntax or ThrowStatementSyntax)
        {
            return null; // nothing can follow the last use on this path
        }

        return editor =>
        {
            editor.RemoveNode(release);
            editor.InsertAfter(lastUse, release.WithoutLeadingTrivia().WithAdditionalAnnotations(Microsoft.CodeAnalysis.Formatting.Formatter.Annotation));
        };
    }

    private static bool IsReleaseOf(ExpressionStatementSyntax statement, string name) =>
        statement.Expression is InvocationExpressionSyntax { Expression: MemberAccessExpressionSyntax { Expression: IdentifierNameSyntax target, Name.Identifier.ValueText: "DecRef" or "Dispose" } }
        && target.Identifier.ValueText == name;
}
