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
/// <c>x.Close();</c> call is inserted before the release, in every document of the solution. The fix is offered only
/// when every creation of the type is such a local (and the type has no derived types): an object stored in a field or
/// passed on would otherwise lose its cleanup.
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

        // Only where every object of the type is created into a local that the same method releases: the cleanup
        // then runs at each of those releases. An object created anywhere else (stored in a field, returned, passed
        // on) would lose its cleanup once the finalizer is gone (issue 9 part 2, found by an executed test).
        SemanticModel? model = await context.Document.GetSemanticModelAsync(context.CancellationToken).ConfigureAwait(false);
        if (model?.GetDeclaredSymbol(finalizer, context.CancellationToken)?.ContainingType is not { } typeSymbol ||
            (await ReleasesAsync(typeSymbol, context.Document.Project.Solution, context.CancellationToken).ConfigureAwait(false)) is null)
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
        Dictionary<DocumentId, List<ExpressionStatementSyntax>> insertions =
            (await ReleasesAsync(type, solution, cancellationToken).ConfigureAwait(false)) ?? new Dictionary<DocumentId, List<ExpressionStatementSyntax>>();

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

    /// <summary>
    /// The <c>x.DecRef();</c> / <c>x.Dispose();</c> statements (directly in a block) releasing each local created by a
    /// constructor of <paramref name="type"/>, by document; null when some object of the type is created any other way
    /// or is never released so, or when the type has derived types (their objects would lose the cleanup too).
    /// </summary>
    private static async Task<Dictionary<DocumentId, List<ExpressionStatementSyntax>>?> ReleasesAsync(INamedTypeSymbol type, Solution solution, CancellationToken cancellationToken)
    {
        if ((await SymbolFinder.FindDerivedClassesAsync(type, solution, transitive: false, cancellationToken: cancellationToken).ConfigureAwait(false)).Any())
        {
            return null;
        }

        var insertions = new Dictionary<DocumentId, List<ExpressionStatementSyntax>>();
        foreach (IMethodSymbol constructor in type.InstanceConstructors)
        {
            foreach (ReferencedSymbol referenced in await SymbolFinder.FindReferencesAsync(constructor, solution, cancellationToken).ConfigureAwait(false))
            {
                foreach (ReferenceLocation location in referenced.Locations)
                {
                    SyntaxNode? root = await location.Document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
                    List<ExpressionStatementSyntax> releases = ReleasesOfLocalCreatedAt(root?.FindNode(location.Location.SourceSpan)).Where(r => r.Parent is BlockSyntax).ToList();
                    if (releases.Count == 0)
                    {
                        return null;
                    }

                    if (!insertions.TryGetValue(location.Document.Id, out List<ExpressionStatementSyntax>? list))
                    {
                        insertions[location.Document.Id] = list = new List<ExpressionStatementSyntax>();
                    }

                    list.AddRange(releases);
                }
            }
        }

        return insertions;
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
