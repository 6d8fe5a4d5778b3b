using System.Collections.Immutable;
using System.Composition;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
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
public sealed class REFS004IncRefBeforeEscapingFix : CodeFixProvider
{
    private const string Title = "IncRef before escaping";

    /// <inheritdoc/>
    public override ImmutableArray<string> FixableDiagnosticIds { get; } = BalanceEdits.Ids("REFS004");

    /// <inheritdoc/>
    public override FixAllProvider GetFixAllProvider() => BalanceEdits.FixAll(IncRefEdit);

    /// <inheritdoc/>
    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        SyntaxNode? root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        foreach (Diagnostic diagnostic in context.Diagnostics)
        {
            if (root is not null && IncRefEdit(root, diagnostic) is { } edit)
            {
                context.RegisterCodeFix(CodeAction.Create(Title, ct => BalanceEdits.ApplyAsync(context.Document, edit, ct), Title), diagnostic);
            }
        }
    }

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
