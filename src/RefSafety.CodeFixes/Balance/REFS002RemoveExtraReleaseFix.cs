using System.Collections.Immutable;
using System.Composition;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace RefSafety.CodeFixes.Balance;

/// <summary>REFS002: "Remove the extra release": deletes the <c>x.DecRef();</c> / <c>x.Dispose();</c> statement that releases a reference the method does not own.</summary>
[ExportCodeFixProvider(Microsoft.CodeAnalysis.LanguageNames.CSharp, Name = nameof(REFS002RemoveExtraReleaseFix))]
[Shared]
public sealed class REFS002RemoveExtraReleaseFix : CodeFixProvider
{
    private const string Title = "Remove the extra release";

    /// <inheritdoc/>
    public override ImmutableArray<string> FixableDiagnosticIds { get; } = BalanceEdits.Ids("REFS002");

    /// <inheritdoc/>
    public override FixAllProvider GetFixAllProvider() => BalanceEdits.FixAll(RemoveEdit);

    /// <inheritdoc/>
    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        SyntaxNode? root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        foreach (Diagnostic diagnostic in context.Diagnostics)
        {
            if (root is not null && RemoveEdit(root, diagnostic) is { } edit)
            {
                context.RegisterCodeFix(CodeAction.Create(Title, ct => BalanceEdits.ApplyAsync(context.Document, edit, ct), Title), diagnostic);
            }
        }
    }

    private static BalanceEdit? RemoveEdit(SyntaxNode root, Diagnostic diagnostic) =>
        root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true) is InvocationExpressionSyntax { Parent: ExpressionStatementSyntax statement }
            && BalanceEdits.StatementInBlock(statement) is not null
            ? editor => editor.RemoveNode(statement)
            : null;
}
