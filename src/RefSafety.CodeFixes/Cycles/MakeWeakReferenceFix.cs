using System.Collections.Generic;
using System.Collections.Immutable;
using System.Composition;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using RefSafety.Analyzers.Cycles;

namespace RefSafety.CodeFixes.Cycles;

/// <summary>
/// REFS010 / REFS011 / REFS020: "Make 'Parent' a weak reference", offered on the back edge of a cycle when another
/// strong field can own its target (the analyzers name the field in <see cref="WeakFixProperties"/>), never on a
/// field that may be the sole owner. Edits the whole solution (<see cref="WeakFieldRewriter"/>); Fix All rewrites
/// each distinct field once.
/// </summary>
[ExportCodeFixProvider(Microsoft.CodeAnalysis.LanguageNames.CSharp, Name = nameof(MakeWeakReferenceFix))]
[Shared]
public sealed class MakeWeakReferenceFix : CodeFixProvider
{
    private const string EquivalenceKey = "MakeWeakReference";

    /// <inheritdoc/>
    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create("REFS010", "REFS011", "REFS020");

    /// <inheritdoc/>
    public override FixAllProvider GetFixAllProvider() => new WeakFixAllProvider();

    /// <inheritdoc/>
    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        foreach (Diagnostic diagnostic in context.Diagnostics)
        {
            if (await FieldAsync(context.Document.Project, diagnostic, context.CancellationToken).ConfigureAwait(false) is not { } field ||
                !await WeakFieldRewriter.CanRewriteAsync(context.Document.Project.Solution, field, context.CancellationToken).ConfigureAwait(false))
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

    /// <summary>The field the diagnostic's properties name, resolved in <paramref name="project"/>'s current compilation.</summary>
    private static async Task<IFieldSymbol?> FieldAsync(Project project, Diagnostic diagnostic, CancellationToken cancellationToken)
    {
        if (!diagnostic.Properties.TryGetValue(WeakFixProperties.TypeKey, out string? typeName) || typeName is null ||
            !diagnostic.Properties.TryGetValue(WeakFixProperties.FieldKey, out string? fieldName) || fieldName is null)
        {
            return null;
        }

        Compilation? compilation = await project.GetCompilationAsync(cancellationToken).ConfigureAwait(false);
        return compilation?.GetTypeByMetadataName(typeName)?.GetMembers(fieldName).OfType<IFieldSymbol>().FirstOrDefault();
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
                        if (diagnostic.Properties.ContainsKey(WeakFixProperties.FieldKey))
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
            // Fields are named by project, type and name and resolved again after each rewrite: earlier symbols go stale.
            var seen = new HashSet<(ProjectId, string, string)>();
            foreach ((Document document, Diagnostic diagnostic) in diagnostics)
            {
                string type = diagnostic.Properties[WeakFixProperties.TypeKey]!;
                string field = diagnostic.Properties[WeakFixProperties.FieldKey]!;
                if (seen.Add((document.Project.Id, type, field)) &&
                    await FieldAsync(solution.GetProject(document.Project.Id)!, diagnostic, cancellationToken).ConfigureAwait(false) is { } symbol &&
                    await WeakFieldRewriter.CanRewriteAsync(solution, symbol, cancellationToken).ConfigureAwait(false))
                {
                    solution = await WeakFieldRewriter.MakeWeakAsync(solution, symbol, cancellationToken).ConfigureAwait(false);
                }
            }

            return solution;
        }
    }
}
