using System.Collections.Generic;
using System.Collections.Immutable;
using System.Composition;
using System.Globalization;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Editing;
using Microsoft.CodeAnalysis.Formatting;
using RefSafety.Analyzers;
using RefSafety.CodeFixes.Balance;

namespace RefSafety.CodeFixes.Threads;

/// <summary>
/// REFS030: "Release the heap before starting the work", offered only where the starting flow blocks on the task at
/// once (<c>Task.Run(…).Wait()</c>, <c>.Result</c>, <c>.GetAwaiter().GetResult()</c>): it inserts
/// <c>x.Heap?.Release();</c> before the statement, the runtime's documented hand-off; the flow takes the heap back at
/// its next use, after the work ended. Elsewhere (fire-and-forget work, Parallel, threads) a release would only move
/// the wait, so the analyzer sets no hand-off and no fix is offered.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(REFS030ReleaseBeforeBlockingFix))]
[Shared]
public sealed class REFS030ReleaseBeforeBlockingFix : CodeFixProvider
{
    private const string Title = "Release the heap before starting the work";

    /// <inheritdoc/>
    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create("REFS030");

    /// <inheritdoc/>
    public override FixAllProvider GetFixAllProvider() =>
        FixAllProvider.Create(async (context, document, diagnostics) =>
            await InsertHandOffsAsync(document, diagnostics, context.CancellationToken).ConfigureAwait(false));

    /// <inheritdoc/>
    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        SyntaxNode? root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        foreach (Diagnostic diagnostic in context.Diagnostics)
        {
            if (root is not null && HandOff(root, diagnostic) is not null)
            {
                context.RegisterCodeFix(
                    CodeAction.Create(Title, ct => InsertHandOffsAsync(context.Document, ImmutableArray.Create(diagnostic), ct), equivalenceKey: Title),
                    diagnostic);
            }
        }
    }

    /// <summary>The release statement and the statement that starts the work, when the diagnostic carries a hand-off and the start sits in a block.</summary>
    private static (string Release, StatementSyntax Start)? HandOff(SyntaxNode root, Diagnostic diagnostic) =>
        diagnostic.Properties.TryGetValue(DiagnosticProperties.HandOff, out string? release) && release is not null
        && diagnostic.Properties.TryGetValue(DiagnosticProperties.HandOffStart, out string? position)
        && int.TryParse(position, NumberStyles.None, CultureInfo.InvariantCulture, out int start)
        && start < root.FullSpan.End
        && BalanceEdits.StatementInBlock(root.FindToken(start).Parent!) is { } statement
            ? (release, statement)
            : null;

    // Several objects captured by one work item each get their release once, in the order of their first use.
    private static async Task<Document> InsertHandOffsAsync(Document document, ImmutableArray<Diagnostic> diagnostics, CancellationToken cancellationToken)
    {
        SyntaxNode root = (await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false))!;
        DocumentEditor editor = await DocumentEditor.CreateAsync(document, cancellationToken).ConfigureAwait(false);
        var inserted = new HashSet<(StatementSyntax, string)>();
        foreach (Diagnostic diagnostic in diagnostics.OrderBy(d => d.Location.SourceSpan.Start))
        {
            if (HandOff(root, diagnostic) is ({ } release, { } start) && inserted.Add((start, release)))
            {
                editor.InsertBefore(start, SyntaxFactory.ParseStatement(release).WithTrailingTrivia(LineEnd(start)).WithAdditionalAnnotations(Formatter.Annotation));
            }
        }

        return editor.GetChangedDocument();
    }

    /// <summary>The line ending the statement's line uses, so that the inserted line matches the file's.</summary>
    private static SyntaxTrivia LineEnd(StatementSyntax statement) =>
        statement.GetTrailingTrivia().LastOrDefault(t => t.IsKind(SyntaxKind.EndOfLineTrivia)) is { RawKind: not 0 } lineEnd
            ? lineEnd
            : SyntaxFactory.ElasticCarriageReturnLineFeed;
}
