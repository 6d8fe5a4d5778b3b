using System.Collections.Generic;
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
using Microsoft.CodeAnalysis.FindSymbols;
using Microsoft.CodeAnalysis.Formatting;

namespace RefSafety.CodeFixes.Cycles;

/// <summary>
/// REFS020: "Move cleanup to Close() (called before the release)" (named after what it creates: issue 9; equivalence
/// key <see cref="EquivalenceKey"/>). <c>RefObject.Dispose</c> is the release of a reference (it cannot be
/// overridden), so the finalizer's body moves into an explicit <c>public void Close()</c> (or
/// <c>ReleaseResources()</c> when Close is taken) and the <c>OnFinalize</c> override is removed. Where a method
/// creates the object into a local and releases it (<c>x.DecRef()</c> / <c>x.Dispose()</c>) in the same method, a
/// <c>x.Close();</c> call is inserted before the release, in every document of the solution.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(REFS020MoveCleanupToDisposeFix))]
[Shared]
public sealed class REFS020MoveCleanupToDisposeFix : CodeFixProvider
{
    /// <summary>The equivalence key of the action (Fix All applies it to every finalizer in scope).</summary>
    public const string EquivalenceKey = "MoveCleanupToClose";

    private static string Title(string closeName) => $"Move cleanup to {closeName}() (called before the release)";

    /// <inheritdoc/>
    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create("REFS020");

    /// <inheritdoc/>
    public override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

    /// <inheritdoc/>
    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        SyntaxNode? root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        if (root?.FindNode(context.Span) is not MethodDeclarationSyntax { Identifier.ValueText: "OnFinalize", Parent: TypeDeclarationSyntax type } finalizer ||
            (finalizer.Body is null && finalizer.ExpressionBody is null) ||
            CloseName(type) is not { } closeName)
        {
            return;
        }

        foreach (Diagnostic diagnostic in context.Diagnostics)
        {
            context.RegisterCodeFix(
                CodeAction.Create(Title(closeName), ct => MoveAsync(context.Document, finalizer, closeName, ct), equivalenceKey: EquivalenceKey),
                diagnostic);
        }
    }

    private static string? CloseName(TypeDeclarationSyntax type)
    {
        var taken = new HashSet<string>(type.Members.Select(m => m switch
        {
            MethodDeclarationSyntax method => method.Identifier.ValueText,
            PropertyDeclarationSyntax property => property.Identifier.ValueText,
            _ => string.Empty,
        }));
        return new[] { "Close", "ReleaseResources" }.FirstOrDefault(n => !taken.Contains(n));
    }

    private static async Task<Solution> MoveAsync(Document document, MethodDeclarationSyntax finalizer, string closeName, CancellationToken cancellationToken)
    {
        SemanticModel model = (await document.GetSemanticModelAsync(cancellationToken).ConfigureAwait(false))!;
        INamedTypeSymbol type = model.GetDeclaredSymbol(finalizer, cancellationToken)!.ContainingType;

        // The finalizer's body, without calls to the base finalizer (the base keeps running its own at count zero).
        MethodDeclarationSyntax close = finalizer
            .RemoveNodes(finalizer.DescendantNodes().OfType<ExpressionStatementSyntax>().Where(IsBaseOnFinalize), SyntaxRemoveOptions.KeepNoTrivia)!
            .WithModifiers(SyntaxFactory.TokenList(SyntaxFactory.Token(finalizer.Modifiers.First().LeadingTrivia, SyntaxKind.PublicKeyword, SyntaxFactory.TriviaList(SyntaxFactory.Space))))
            .WithIdentifier(SyntaxFactory.Identifier(closeName))
            .WithAdditionalAnnotations(Formatter.Annotation);

        Solution solution = document.Project.Solution;
        var insertions = new Dictionary<DocumentId, List<ExpressionStatementSyntax>>();
        foreach (IMethodSymbol constructor in type.InstanceConstructors)
        {
            foreach (ReferencedSymbol referenced in await SymbolFinder.FindReferencesAsync(constructor, solution, cancellationToken).ConfigureAwait(false))
            {
                foreach (ReferenceLocation location in referenced.Locations)
                {
                    SyntaxNode? root = await location.Document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
                    foreach (ExpressionStatementSyntax release in ReleasesOfLocalCreatedAt(root?.FindNode(location.Location.SourceSpan)))
                    {
                        if (!insertions.TryGetValue(location.Document.Id, out List<ExpressionStatementSyntax>? list))
                        {
                            insertions[location.Document.Id] = list = new List<ExpressionStatementSyntax>();
                        }

                        list.Add(release);
                    }
                }
            }
        }

        // The declaring document: the finalizer becomes Close, plus its own insertions.
        SyntaxNode declaringRoot = (await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false))!;
        insertions.TryGetValue(document.Id, out List<ExpressionStatementSyntax>? own);
        solution = solution.WithDocumentSyntaxRoot(document.Id, Rewrite(declaringRoot, own, closeName, finalizer, close));
        foreach (KeyValuePair<DocumentId, List<ExpressionStatementSyntax>> entry in insertions.Where(e => e.Key != document.Id))
        {
            SyntaxNode root = (await solution.GetDocument(entry.Key)!.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false))!;
            solution = solution.WithDocumentSyntaxRoot(entry.Key, Rewrite(root, entry.Value, closeName, null, null));
        }

        return solution;
    }

    /// <summary>Inserts <c>x.Close();</c> before each release and, in the declaring document, replaces the finalizer by Close.</summary>
    private static SyntaxNode Rewrite(SyntaxNode root, List<ExpressionStatementSyntax>? releases, string closeName, MethodDeclarationSyntax? finalizer, MethodDeclarationSyntax? close)
    {
        releases ??= new List<ExpressionStatementSyntax>();
        var tracked = new List<SyntaxNode>(releases);
        if (finalizer is not null)
        {
            tracked.Add(finalizer);
        }

        SyntaxNode result = root.TrackNodes(tracked);
        foreach (ExpressionStatementSyntax release in releases)
        {
            ExpressionStatementSyntax current = result.GetCurrentNode(release)!;
            if (current.Parent is not BlockSyntax)
            {
                continue;
            }

            var receiver = (MemberAccessExpressionSyntax)((InvocationExpressionSyntax)current.Expression).Expression;
            ExpressionStatementSyntax call = SyntaxFactory.ExpressionStatement(
                    SyntaxFactory.InvocationExpression(SyntaxFactory.MemberAccessExpression(SyntaxKind.SimpleMemberAccessExpression, receiver.Expression.WithoutTrivia(), SyntaxFactory.IdentifierName(closeName))))
                .WithAdditionalAnnotations(Formatter.Annotation);
            result = result.InsertNodesBefore(current, new[] { call });
        }

        if (finalizer is not null)
        {
            result = result.ReplaceNode(result.GetCurrentNode(finalizer)!, close!);
        }

        return result;
    }

    private static bool IsBaseOnFinalize(ExpressionStatementSyntax statement) =>
        statement.Expression is InvocationExpressionSyntax { Expression: MemberAccessExpressionSyntax { Expression: BaseExpressionSyntax, Name.Identifier.ValueText: "OnFinalize" } };

    /// <summary>For <c>var x = new T()</c>: the statements <c>x.DecRef();</c> / <c>x.Dispose();</c> of the same method.</summary>
    private static IEnumerable<ExpressionStatementSyntax> ReleasesOfLocalCreatedAt(SyntaxNode? node)
    {
        if (node?.FirstAncestorOrSelf<ObjectCreationExpressionSyntax>() is not { Parent: EqualsValueClauseSyntax { Parent: VariableDeclaratorSyntax declarator } } ||
            declarator.FirstAncestorOrSelf<BaseMethodDeclarationSyntax>() is not { } method)
        {
            return Enumerable.Empty<ExpressionStatementSyntax>();
        }

        string local = declarator.Identifier.ValueText;
        return method.DescendantNodes().OfType<ExpressionStatementSyntax>().Where(s =>
            s.Expression is InvocationExpressionSyntax
            {
                ArgumentList.Arguments.Count: 0,
                Expression: MemberAccessExpressionSyntax { Expression: IdentifierNameSyntax { Identifier.ValueText: var name }, Name.Identifier.ValueText: "DecRef" or "Dispose" },
            } && name == local);
    }
}
