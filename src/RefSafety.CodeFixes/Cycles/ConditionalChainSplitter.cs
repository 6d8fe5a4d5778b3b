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
/// meaning for the strong field (the receiver evaluated once, null giving null):
/// <c>(x is { } tree ? tree.Parent.Name : null)</c>, or <c>if (x is { } tree) tree.Parent.Children.Clear();</c> for a
/// chain that is a statement. The read is then an ordinary member access on a read, which the rewriter handles.
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
    /// its replacement. Null when it is not dereferenced in a chain, or when the chain cannot be split (the fix is then
    /// not offered): a void expression body (<c>() =&gt; x?.Parent.Children.Clear()</c>) has no expression form, and
    /// before C# 8 a receiver of anonymous type has no name to test.
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
        ITypeSymbol? receiverType = model.GetTypeInfo(chain.Expression).Type;
        string variable = FreshName(model, whole, receiverType);
        if (Pattern(model, whole, receiverType) is not { } pattern)
        {
            return null;
        }

        string test = $"{receiver} is {pattern} {variable}";
        if (whole.Parent is ExpressionStatementSyntax statement)
        {
            // Built from parts, whose elastic trivia let the formatter put the embedded statement on its own line. An
            // embedded statement itself gets a block: `if (c) if (...) ...; else` would give the else to the new if.
            StatementSyntax split = SyntaxFactory.IfStatement(SyntaxFactory.ParseExpression(test), SyntaxFactory.ParseStatement($"{variable}{rest};"));
            split = statement.Parent is BlockSyntax or SwitchSectionSyntax ? split : SyntaxFactory.Block(split);
            return (statement, split.WithTriviaFrom(statement).WithAdditionalAnnotations(Formatter.Annotation));
        }

        if (model.GetTypeInfo(whole).Type is not { SpecialType: not SpecialType.System_Void } type)
        {
            return null;
        }

        // The value of a chain is nullable: null for a reference type, int? (spelled out, the branch gives int) else.
        string none = type.IsReferenceType ? "null" : $"default({type.ToMinimalDisplayString(model, whole.SpanStart)})";
        return (whole, SyntaxFactory.ParseExpression($"({test} ? {variable}{rest} : {none})").WithTriviaFrom(whole));
    }

    /// <summary>
    /// The pattern that gives the non-null receiver as <c>?.</c> does (a nullable struct unwrapped): <c>{ }</c>, or
    /// before C# 8 the type (<c>x is Tree tree</c>); null for an anonymous type there, which has no name.
    /// </summary>
    private static string? Pattern(SemanticModel model, ExpressionSyntax chain, ITypeSymbol? receiverType)
    {
        if (((CSharpParseOptions)chain.SyntaxTree.Options).LanguageVersion >= LanguageVersion.CSharp8)
        {
            return "{ }";
        }

        ITypeSymbol? type = Underlying(receiverType);
        return type is null || type.IsAnonymousType ? null : type.WithNullableAnnotation(NullableAnnotation.NotAnnotated).ToMinimalDisplayString(model, chain.SpanStart);
    }

    /// <summary>T for a T?, else the type itself.</summary>
    private static ITypeSymbol? Underlying(ITypeSymbol? type) =>
        type is INamedTypeSymbol { OriginalDefinition.SpecialType: SpecialType.System_Nullable_T } nullable ? nullable.TypeArguments[0] : type;

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
    /// a Tree or a Tree?), that hides nothing in scope and clashes with no name in the enclosing member, including the
    /// names already <paramref name="given"/> there by edits not applied yet (two stores in one block).
    /// </summary>
    internal static string FreshName(SemanticModel model, ExpressionSyntax expression, ITypeSymbol? type, ISet<(SyntaxNode Member, string Name)>? given = null)
    {
        string? typeName = Underlying(type)?.Name;
        string stem = string.IsNullOrEmpty(typeName) ? "value" : char.ToLowerInvariant(typeName![0]) + typeName.Substring(1);
        SyntaxNode member = expression.FirstAncestorOrSelf<MemberDeclarationSyntax>() ?? (SyntaxNode)expression;
        var taken = new HashSet<string>(model.LookupSymbols(expression.SpanStart).Select(s => s.Name));
        taken.UnionWith(member.DescendantTokens().Where(t => t.IsKind(SyntaxKind.IdentifierToken)).Select(t => t.ValueText));
        string name = stem;
        for (int i = 1; taken.Contains(name) || given?.Contains((member, name)) == true || SyntaxFacts.GetKeywordKind(name) != SyntaxKind.None; i++)
        {
            name = stem + i;
        }

        given?.Add((member, name));
        return name;
    }
}
