using System.Collections.Generic;
using System.Collections.Immutable;
using System.Composition;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using RefSafety.Analyzers.Cycles;

namespace RefSafety.CodeFixes.Cycles;

/// <summary>
/// REFS011: "Make 'Parent' a weak reference", offered on the back edge of a type cycle when another strong field can
/// own the target (the analyzer says so in the diagnostic's properties), never on a field that may be the sole owner.
/// Edits the whole solution (<see cref="WeakFieldRewriter"/>); Fix All rewrites each distinct field once.
/// </summary>
[ExportCodeFixProvider(Microsoft.CodeAnalysis.LanguageNames.CSharp, Name = nameof(REFS011MakeWeakReferenceFix))]
[Shared]
public sealed class REFS011MakeWeakReferenceFix : CodeFixProvider
{
    private const string EquivalenceKey = "MakeWeakReference";

    /// <inheritdoc/>
    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create("REFS011");

    /// <inheritdoc/>
    public override FixAllProvider GetFixAllProvider() => new WeakFixAllProvider();

    /// <inheritdoc/>
    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        foreach (Diagnostic diagnostic in context.Diagnostics.Where(d => d.Properties.ContainsKey(BackEdge.WeakFixProperty)))
        {
            if (await FieldAsync(context.Document, diagnostic, context.CancellationToken).ConfigureAwait(false) is not { } field ||
                field.DeclaringSyntaxReferences.Any(r => r.GetSyntax(context.CancellationToken).Parent is VariableDeclarationSyntax { Variables.Count: > 1 }))
            {
                continue;
            }

            context.RegisterCodeFix(
                CodeAction.Create(
                    $"Make '{field.Name}' a weak reference",
                    ct => WeakFieldRewriter.MakeWeakAsync(context.Document.Project.Solution, field, ct),
                    EquivalenceKey),
                diagnostic);
        }
    }

    private static async Task<IFieldSymbol?> FieldAsync(Document document, Diagnostic diagnostic, CancellationToken cancellationToken)
    {
        SyntaxNode? root = await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
        SemanticModel? model = await document.GetSemanticModelAsync(cancellationToken).ConfigureAwait(false);
        return root?.FindNode(diagnostic.Location.SourceSpan) is VariableDeclaratorSyntax declarator && model is not null
            ? model.GetDeclaredSymbol(declarator, cancellationToken) as IFieldSymbol
            : null;
    }

    /// <summary>Rewrites every distinct field of the diagnostics in scope, one after the other, on the evolving solution.</summary>
    private sealed class WeakFixAllProvider : FixAllProvider
    {
        public override IEnumerable<FixAllScope> GetSupportedFixAllScopes() =>
            new[] { FixAllScope.Document, FixAllScope.Project, FixAllScope.Solution };

        public override async Task<CodeAction?> GetFixAsync(FixAllContext fixAllContext)
        {
            var diagnostics = new List<(Document Document, Diagnostic Diagnostic)>();
            IEnumerable<Project> projects = fixAllContext.Scope == FixAllScope.Solution ? fixAllContext.Solution.Projects : new[] { fixAllContext.Project };
            foreach (Project project in projects)
            {
                foreach (Document document in project.Documents)
                {
                    if (fixAllContext.Scope == FixAllScope.Document && document.Id != fixAllContext.Document?.Id)
                    {
                        continue;
                    }

                    foreach (Diagnostic diagnostic in await fixAllContext.GetDocumentDiagnosticsAsync(document).ConfigureAwait(false))
                    {
                        if (diagnostic.Properties.ContainsKey(BackEdge.WeakFixProperty))
                        {
                            diagnostics.Add((document, diagnostic));
                        }
                    }
                }
            }

            return CodeAction.Create("Make back edges weak references", ct => FixAllAsync(fixAllContext.Solution, diagnostics, ct), EquivalenceKey);
        }

        private static async Task<Solution> FixAllAsync(Solution solution, List<(Document Document, Diagnostic Diagnostic)> diagnostics, CancellationToken cancellationToken)
        {
            // Identify fields by project, containing type and name: symbols of the original solution are stale after the first rewrite.
            var targets = new List<(ProjectId Project, string Type, string Field)>();
            foreach ((Document document, Diagnostic diagnostic) in diagnostics)
            {
                if (await FieldAsync(document, diagnostic, cancellationToken).ConfigureAwait(false) is { } field)
                {
                    targets.Add((document.Project.Id, MetadataName(field.ContainingType), field.Name));
                }
            }

            foreach ((ProjectId projectId, string typeName, string fieldName) in targets.Distinct())
            {
                Compilation? compilation = await solution.GetProject(projectId)!.GetCompilationAsync(cancellationToken).ConfigureAwait(false);
                if (compilation?.GetTypeByMetadataName(typeName)?.GetMembers(fieldName).OfType<IFieldSymbol>().FirstOrDefault() is { } field)
                {
                    solution = await WeakFieldRewriter.MakeWeakAsync(solution, field, cancellationToken).ConfigureAwait(false);
                }
            }

            return solution;
        }

        private static string MetadataName(INamedTypeSymbol type) =>
            type.ContainingType is { } outer
                ? MetadataName(outer) + "+" + type.MetadataName
                : type.ContainingNamespace.IsGlobalNamespace ? type.MetadataName : type.ContainingNamespace.ToDisplayString() + "." + type.MetadataName;
    }
}
