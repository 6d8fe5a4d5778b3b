using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using RefSafety.Analyzers;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Editing;
using Microsoft.CodeAnalysis.Formatting;

namespace RefSafety.CodeFixes.Balance;

/// <summary>
/// One edit a balance fix makes for one diagnostic. Fixes are described as edits so that "Fix all" can apply every
/// edit of a document through one <see cref="DocumentEditor"/>: several insertions before the same statement (two
/// leaks at one return) would overlap and be dropped by the batch fixer.
/// </summary>
internal delegate void BalanceEdit(DocumentEditor editor);

/// <summary>Shared plumbing of the balance fixes: finding nodes, building statements, a Fix All that composes edits.</summary>
internal static class BalanceEdits
{
    /// <summary>A statement <c>target.Method();</c>, formatted on insertion.</summary>
    public static StatementSyntax Call(ExpressionSyntax target, string method) =>
        SyntaxFactory.ExpressionStatement(
                SyntaxFactory.InvocationExpression(
                    SyntaxFactory.MemberAccessExpression(SyntaxKind.SimpleMemberAccessExpression, target.WithoutTrivia(), SyntaxFactory.IdentifierName(method))))
            .WithAdditionalAnnotations(Formatter.Annotation);

    /// <summary>A statement <c>target?.Method();</c>, formatted on insertion.</summary>
    public static StatementSyntax ConditionalCall(ExpressionSyntax target, string method) =>
        SyntaxFactory.ExpressionStatement(
                SyntaxFactory.ConditionalAccessExpression(
                    target.WithoutTrivia(),
                    SyntaxFactory.InvocationExpression(SyntaxFactory.MemberBindingExpression(SyntaxFactory.IdentifierName(method)))))
            .WithAdditionalAnnotations(Formatter.Annotation);

    /// <summary>An expression that can be evaluated twice without side effects: a name or a chain of member names.</summary>
    public static bool IsSimpleName(ExpressionSyntax expression) => expression switch
    {
        IdentifierNameSyntax => true,
        ThisExpressionSyntax => true,
        MemberAccessExpressionSyntax member => IsSimpleName(member.Expression),
        _ => false,
    };

    /// <summary>The statement an expression belongs to, when that statement sits in a block (so a statement can be inserted before it).</summary>
    public static StatementSyntax? StatementInBlock(SyntaxNode node)
    {
        StatementSyntax? statement = node.FirstAncestorOrSelf<StatementSyntax>();
        return statement?.Parent is BlockSyntax or SwitchSectionSyntax ? statement : null;
    }

    /// <summary>A Fix All provider that applies the chosen action's edits of every diagnostic in a document through one editor.</summary>
    public static FixAllProvider FixAll(System.Func<SyntaxNode, Diagnostic, string?, BalanceEdit?> editFor) =>
        FixAllProvider.Create(async (context, document, diagnostics) =>
        {
            SyntaxNode? root = await document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
            if (root is null)
            {
                return document;
            }

            DocumentEditor editor = await DocumentEditor.CreateAsync(document, context.CancellationToken).ConfigureAwait(false);
            foreach (Diagnostic diagnostic in diagnostics.OrderBy(d => d.Location.SourceSpan.Start))
            {
                editFor(root, diagnostic, context.CodeActionEquivalenceKey)?.Invoke(editor);
            }

            return editor.GetChangedDocument();
        });

    /// <summary>Applies one edit to a document (the single-diagnostic code action).</summary>
    public static async Task<Document> ApplyAsync(Document document, BalanceEdit edit, CancellationToken cancellationToken)
    {
        DocumentEditor editor = await DocumentEditor.CreateAsync(document, cancellationToken).ConfigureAwait(false);
        edit(editor);
        return editor.GetChangedDocument();
    }

    /// <summary>The name of the variable a diagnostic is about (its first message argument).</summary>
    public static string? VariableName(Diagnostic diagnostic) =>
        diagnostic.Properties.TryGetValue(DiagnosticProperties.Variable, out string? name) ? name : null;

    /// <summary>
    /// False for a diagnostic that holds on only some of the paths through its operation (the analysis split them on a
    /// bool flag): adding or removing a count operation there would break the paths that were right.
    /// </summary>
    public static bool HoldsOnEveryPath(Diagnostic diagnostic) =>
        !(diagnostic.Properties.TryGetValue(DiagnosticProperties.EveryPath, out string? everyPath) && everyPath == "false");

    /// <summary>Every identifier in <paramref name="scope"/> naming <paramref name="name"/>.</summary>
    public static IEnumerable<IdentifierNameSyntax> References(SyntaxNode scope, string name) =>
        scope.DescendantNodes().OfType<IdentifierNameSyntax>().Where(i => i.Identifier.ValueText == name);

    public static ImmutableArray<string> Ids(params string[] ids) => ImmutableArray.Create(ids);
}
