using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.FindSymbols;
using Microsoft.CodeAnalysis.Formatting;
using Microsoft.CodeAnalysis.Text;
using RefSafety.Analyzers.Cycles;

namespace RefSafety.CodeFixes.Cycles;

/// <summary>
/// The step before <see cref="WeakFieldRewriter"/> makes a field weak: a read of it dereferenced inside a <c>?.</c>
/// chain (<c>x?.Parent.Name</c>) must fail with a clear message once the target died, as any member access on a read
/// does, but no throw can continue a chain. So the chain is split at the <c>?.</c> the read hangs on, keeping its
/// meaning for the strong field: <c>(x switch { null =&gt; null, { } tree =&gt; tree.Parent.Name })</c>, or
/// <c>if (x is { } tree) tree.Parent.Children.Clear();</c> for a chain that is a statement (<c>{ }</c> rather than
/// <c>var</c>: a nullable struct receiver is unwrapped as <c>?.</c> does). The read is then an ordinary member access
/// on a read, which the rewriter handles.
/// </summary>
internal static class ConditionalChainSplitter
{
    /// <summary>
    /// Splits every such chain in the documents that use <paramref name="field"/>, and returns the field as found in
    /// the new solution (the old symbol belongs to the old compilation).
    /// </summary>
    public static async Task<(Solution Solution, IFieldSymbol Field)> SplitAsync(Solution solution, IFieldSymbol field, CancellationToken cancellationToken)
    {
        string typeName = WeakFixProperties.MetadataName(field.ContainingType.OriginalDefinition);
        ProjectId? declaring = solution.GetDocument(field.Locations[0].SourceTree)?.Project.Id;
        bool split = false;
        foreach (DocumentId id in (await SymbolFinder.FindReferencesAsync(field, solution, cancellationToken).ConfigureAwait(false))
            .SelectMany(r => r.Locations).Select(l => l.Document.Id).Distinct())
        {
            // One chain at a time, read again each time: a split can leave another chain to split inside it (x?.Parent.a?.Parent.b).
            Document document = solution.GetDocument(id)!;
            while (await FirstSplitAsync(document, typeName, field.Name, cancellationToken).ConfigureAwait(false) is { } replacement)
            {
                SyntaxNode root = (await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false))!;
                document = document.WithSyntaxRoot(root.ReplaceNode(replacement.Old, replacement.New));
                split = true;
            }

            solution = document.Project.Solution;
        }

        if (!split || declaring is null || solution.GetProject(declaring) is not { } project ||
            await project.GetCompilationAsync(cancellationToken).ConfigureAwait(false) is not { } compilation ||
            compilation.GetTypeByMetadataName(typeName)?.GetMembers(field.Name).OfType<IFieldSymbol>().FirstOrDefault() is not { } resolved)
        {
            return (solution, field);
        }

        return (solution, resolved);
    }

    /// <summary>
    /// The split of the chain <paramref name="name"/> (a use of the field) is dereferenced in: the node to replace and
    /// its replacement. Null when it is not dereferenced in a chain, or when the chain is a void expression body
    /// (<c>() =&gt; x?.Parent.Children.Clear()</c>), which has no expression form (the fix is then not offered).
    /// </summary>
    public static (SyntaxNode Old, SyntaxNode New)? Split(SimpleNameSyntax name, SemanticModel model)
    {
        if (WeakFieldRewriter.DereferencedInChain(WeakFieldRewriter.FieldAccess(name)) is not { } binding)
        {
            return null;
        }

        // The chain the binding continues (x?.a in x?.a?.Parent.Name), and the whole chain expression around it.
        ConditionalAccessExpressionSyntax chain = binding.Ancestors().OfType<ConditionalAccessExpressionSyntax>().First(c => c.WhenNotNull.Span.Contains(binding.Span));
        ExpressionSyntax whole = chain;
        while (whole.Parent is ConditionalAccessExpressionSyntax outer && outer.WhenNotNull == whole)
        {
            whole = outer;
        }

        SourceText text = whole.SyntaxTree.GetText();
        string receiver = text.ToString(TextSpan.FromBounds(whole.SpanStart, chain.OperatorToken.SpanStart));
        string rest = text.ToString(TextSpan.FromBounds(binding.SpanStart, whole.Span.End));
        string variable = FreshName(model, whole, model.GetTypeInfo(chain.Expression).Type);
        if (whole.Parent is ExpressionStatementSyntax statement)
        {
            // Built from parts, whose elastic trivia let the formatter put the embedded statement on its own line. An
            // embedded statement itself gets a block: `if (c) if (...) ...; else` would give the else to the new if.
            StatementSyntax test = SyntaxFactory.IfStatement(SyntaxFactory.ParseExpression($"{receiver} is {{ }} {variable}"), SyntaxFactory.ParseStatement($"{variable}{rest};"));
            test = statement.Parent is BlockSyntax or SwitchSectionSyntax ? test : SyntaxFactory.Block(test);
            return (statement, test.WithTriviaFrom(statement).WithAdditionalAnnotations(Formatter.Annotation));
        }

        if (model.GetTypeInfo(whole).Type is not { SpecialType: not SpecialType.System_Void } type)
        {
            return null;
        }

        string none = type.IsReferenceType ? "null" : $"default({type.ToMinimalDisplayString(model, whole.SpanStart)})";
        return (whole, SyntaxFactory.ParseExpression($"({receiver} switch {{ null => {none}, {{ }} {variable} => {variable}{rest} }})").WithTriviaFrom(whole));
    }

    private static async Task<(SyntaxNode Old, SyntaxNode New)?> FirstSplitAsync(Document document, string typeName, string fieldName, CancellationToken cancellationToken)
    {
        SyntaxNode root = (await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false))!;
        SemanticModel model = (await document.GetSemanticModelAsync(cancellationToken).ConfigureAwait(false))!;
        return root.DescendantNodes()
            .OfType<SimpleNameSyntax>()
            .Where(n => n.Identifier.ValueText == fieldName &&
                        model.GetSymbolInfo(n, cancellationToken).Symbol is IFieldSymbol f &&
                        WeakFixProperties.MetadataName(f.ContainingType.OriginalDefinition) == typeName)
            .Select(n => Split(n, model))
            .FirstOrDefault(s => s is not null);
    }

    /// <summary>
    /// A name for a variable holding the non-null value of <paramref name="expression"/>, from its type (<c>tree</c> for
    /// a Tree or a Tree?), that hides nothing in scope and clashes with no name in the enclosing member.
    /// </summary>
    internal static string FreshName(SemanticModel model, ExpressionSyntax expression, ITypeSymbol? type)
    {
        string? typeName = (type is INamedTypeSymbol { OriginalDefinition.SpecialType: SpecialType.System_Nullable_T } nullable ? nullable.TypeArguments[0] : type)?.Name;
        string stem = string.IsNullOrEmpty(typeName) ? "value" : char.ToLowerInvariant(typeName![0]) + typeName.Substring(1);
        var taken = new HashSet<string>(model.LookupSymbols(expression.SpanStart).Select(s => s.Name));
        taken.UnionWith((expression.FirstAncestorOrSelf<MemberDeclarationSyntax>() ?? (SyntaxNode)expression).DescendantTokens()
            .Where(t => t.IsKind(SyntaxKind.IdentifierToken)).Select(t => t.ValueText));
        string name = stem;
        for (int i = 1; taken.Contains(name) || SyntaxFacts.GetKeywordKind(name) != SyntaxKind.None; i++)
        {
            name = stem + i;
        }

        return name;
    }
}
