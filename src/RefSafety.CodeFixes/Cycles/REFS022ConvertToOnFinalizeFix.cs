using System.Collections.Immutable;
using System.Composition;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Formatting;

namespace RefSafety.CodeFixes.Cycles;

/// <summary>
/// REFS022: "Convert to OnFinalize override": replaces <c>~Node() { … }</c> by <c>protected override void OnFinalize() { … }</c>
/// with the same body. Not offered when the type already overrides OnFinalize (merging two finalizers is a decision
/// about order the developer must make).
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(REFS022ConvertToOnFinalizeFix))]
[Shared]
public sealed class REFS022ConvertToOnFinalizeFix : CodeFixProvider
{
    private const string Title = "Convert to OnFinalize override";

    /// <inheritdoc/>
    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create("REFS022");

    /// <inheritdoc/>
    public override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

    /// <inheritdoc/>
    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        SyntaxNode? root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        if (root?.FindNode(context.Span).FirstAncestorOrSelf<DestructorDeclarationSyntax>() is not { } destructor ||
            destructor.Parent is not TypeDeclarationSyntax type ||
            type.Members.OfType<MethodDeclarationSyntax>().Any(m => m.Identifier.ValueText == "OnFinalize" && m.ParameterList.Parameters.Count == 0))
        {
            return;
        }

        foreach (Diagnostic diagnostic in context.Diagnostics)
        {
            context.RegisterCodeFix(
                CodeAction.Create(Title, ct => ConvertAsync(context.Document, destructor, ct), equivalenceKey: Title),
                diagnostic);
        }
    }

    private static async Task<Document> ConvertAsync(Document document, DestructorDeclarationSyntax destructor, CancellationToken cancellationToken)
    {
        SyntaxNode root = (await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false))!;
        MethodDeclarationSyntax onFinalize = SyntaxFactory.MethodDeclaration(
                destructor.AttributeLists,
                SyntaxFactory.TokenList(SyntaxFactory.Token(SyntaxKind.ProtectedKeyword), SyntaxFactory.Token(SyntaxKind.OverrideKeyword)),
                SyntaxFactory.PredefinedType(SyntaxFactory.Token(SyntaxKind.VoidKeyword)),
                explicitInterfaceSpecifier: null,
                SyntaxFactory.Identifier("OnFinalize"),
                typeParameterList: null,
                SyntaxFactory.ParameterList(),
                constraintClauses: default,
                OnLinesOfTheirOwn(destructor.Body),
                destructor.ExpressionBody,
                destructor.SemicolonToken)
            .WithLeadingTrivia(destructor.GetLeadingTrivia())
            .WithTrailingTrivia(destructor.GetTrailingTrivia())
            .WithAdditionalAnnotations(Formatter.Annotation);
        return document.WithSyntaxRoot(root.ReplaceNode(destructor, onFinalize));
    }

    /// <summary>
    /// A body written on one line (<c>~Node() { Log(); }</c>) gets its braces and each statement on lines of their
    /// own (issue 9); an empty body stays <c>{ }</c>, a body already on several lines keeps its layout.
    /// </summary>
    private static BlockSyntax? OnLinesOfTheirOwn(BlockSyntax? body)
    {
        if (body is null || body.Statements.Count == 0 || body.SyntaxTree.GetLineSpan(body.Span).StartLinePosition.Line != body.SyntaxTree.GetLineSpan(body.Span).EndLinePosition.Line)
        {
            return body;
        }

        return SyntaxFactory.Block(body.Statements.Select(s => s.WithLeadingTrivia(SyntaxFactory.ElasticMarker).WithTrailingTrivia(SyntaxFactory.ElasticMarker)))
            .WithOpenBraceToken(SyntaxFactory.Token(SyntaxKind.OpenBraceToken).WithLeadingTrivia(SyntaxFactory.ElasticMarker).WithTrailingTrivia(SyntaxFactory.ElasticMarker))
            .WithCloseBraceToken(SyntaxFactory.Token(SyntaxKind.CloseBraceToken).WithLeadingTrivia(SyntaxFactory.ElasticMarker).WithTrailingTrivia(body.CloseBraceToken.TrailingTrivia))
            .WithAdditionalAnnotations(Formatter.Annotation);
    }
}
