using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;

namespace RefSafety.CodeFixes.Balance;

/// <summary>
/// The shape of every balance fix: a few named actions, each an edit computed from the diagnostic (or none when the
/// action does not apply there). Registering the actions and Fix All (which applies the edits of a whole document
/// through one editor) live here once. Fix All applies the action its equivalence key names; given no key (as
/// <c>dotnet format analyzers</c> does when the diagnostic it asked about first is another rule's), the action
/// offered first for each diagnostic.
/// </summary>
public abstract class BalanceFix : CodeFixProvider
{
    private protected abstract IReadOnlyList<(string Title, Func<SyntaxNode, Diagnostic, BalanceEdit?> Edit)> Actions { get; }

    /// <inheritdoc/>
    public sealed override FixAllProvider GetFixAllProvider() =>
        BalanceEdits.FixAll((root, diagnostic, key) => IsFixable(diagnostic)
            ? (key is null ? Actions.Select(a => a.Edit(root, diagnostic)).FirstOrDefault(edit => edit is not null) : Actions.FirstOrDefault(a => a.Title == key).Edit?.Invoke(root, diagnostic))
            : null);

    /// <inheritdoc/>
    public sealed override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        SyntaxNode? root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        if (root is null)
        {
            return;
        }

        foreach (Diagnostic diagnostic in context.Diagnostics.Where(IsFixable))
        {
            foreach ((string title, Func<SyntaxNode, Diagnostic, BalanceEdit?> editFor) in Actions)
            {
                if (editFor(root, diagnostic) is { } edit)
                {
                    context.RegisterCodeFix(CodeAction.Create(title, ct => BalanceEdits.ApplyAsync(context.Document, edit, ct), title), diagnostic);
                }
            }
        }
    }

    // Only this fix's own rules: dotnet format hands a provider diagnostics of other rules the same analyzer reports,
    // and an edit computed for another rule's diagnostic would be wrong.
    private bool IsFixable(Diagnostic diagnostic) => FixableDiagnosticIds.Contains(diagnostic.Id) && BalanceEdits.HoldsOnEveryPath(diagnostic);
}
