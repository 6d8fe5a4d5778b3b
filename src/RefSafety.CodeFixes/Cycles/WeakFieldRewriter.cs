using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Editing;
using Microsoft.CodeAnalysis.FindSymbols;
using Microsoft.CodeAnalysis.Formatting;

namespace RefSafety.CodeFixes.Cycles;

/// <summary>
/// Turns a strong field of type <c>T</c> into a <c>WeakRef&lt;T&gt;</c> field across the solution (docs/rules/REFS011.md
/// lists every rewrite):
/// <list type="bullet">
/// <item>the declaration's type becomes <c>WeakRef&lt;T&gt;?</c>, split out of a declaration shared with other fields;</item>
/// <item>stores: <c>x.F = v</c>, <c>new T { F = v }</c> and <c>RefField.Set(ref x.F, v)</c> become
/// <c>x.F = new WeakRef&lt;T&gt;(v)</c> (testing a value that may be null first); an <c>v.IncRef();</c> just before a
/// plain store existed only for the field and is removed, without one the store moved a local's reference, which is
/// released; <c>RefField.Move(ref x.F, v)</c> also releases the reference it used to steal (<c>v.DecRef()</c>);
/// <c>RefField.Clear(ref x.F)</c> becomes <c>x.F = null</c>;</item>
/// <item>releases of the field's reference (<c>x.F.DecRef()</c>, <c>x.F?.Dispose()</c>) are removed;</item>
/// <item>reads become the weak target: <c>x.F?.Target</c> (borrowed, null once the target died); a member access
/// on it throws a clear exception when the target is gone instead of a NullReferenceException, inside a <c>?.</c>
/// chain too once <see cref="ConditionalChainSplitter"/> has split the chain.</item>
/// </list>
/// </summary>
internal static class WeakFieldRewriter
{
    /// <summary>
    /// False when some use of the field could not be rewritten into code that compiles and keeps the counts: a read
    /// dereferenced inside a <c>?.</c> chain that is a void expression body (<c>() =&gt; x?.Parent.Children.Clear()</c>,
    /// see <see cref="ConditionalChainSplitter"/>), the field passed by <c>ref</c>/<c>out</c> to anything but
    /// RefField, a compound or deconstructing store (<c>Parent ??= p</c>, <c>(Parent, q) = t</c>), or a field initializer other than null (<c>Tree? Parent = new Tree();</c>: no release of the stored
    /// reference can follow it). The fix is then not offered rather than offered broken.
    /// </summary>
    public static async Task<bool> CanRewriteAsync(Solution solution, IFieldSymbol field, CancellationToken cancellationToken)
    {
        if (field.DeclaringSyntaxReferences.Any(r => r.GetSyntax(cancellationToken) is VariableDeclaratorSyntax { Initializer.Value: { } value } && !IsNull(value)))
        {
            return false;
        }

        foreach (ReferencedSymbol referenced in await SymbolFinder.FindReferencesAsync(field, solution, cancellationToken).ConfigureAwait(false))
        {
            foreach (ReferenceLocation location in referenced.Locations)
            {
                SyntaxNode? root = await location.Document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
                if (root is null || ReferenceName(root, location.Location) is not { } name)
                {
                    continue;
                }

                ExpressionSyntax access = FieldAccess(name);
                if (IsOtherStore(access))
                {
                    return false;
                }

                // x.F = v moved a local's reference: its release must follow the local's last use (issue 9: never a
                // release before a later use); where no statement can take it, the fix is not offered.
                if (access.Parent is AssignmentExpressionSyntax { Right: IdentifierNameSyntax } store && store.Left == access && store.IsKind(SyntaxKind.SimpleAssignmentExpression) &&
                    MovedLocal((await location.Document.GetSemanticModelAsync(cancellationToken).ConfigureAwait(false))!, store) is { ReleaseAfter: null })
                {
                    return false;
                }

                if (DereferencedInChain(access) is not null &&
                    ConditionalChainSplitter.Split(name, (await location.Document.GetSemanticModelAsync(cancellationToken).ConfigureAwait(false))!) is null)
                {
                    return false;
                }

                if (access.Parent is ArgumentSyntax { Parent: ArgumentListSyntax { Parent: var call } } argument
                    && !argument.RefKindKeyword.IsKind(SyntaxKind.None)
                    && !(call is InvocationExpressionSyntax invocation && RefFieldMethod(invocation) is not null))
                {
                    return false;
                }
            }
        }

        return true;
    }

    public static async Task<Solution> MakeWeakAsync(Solution solution, IFieldSymbol field, CancellationToken cancellationToken)
    {
        (solution, field) = await ConditionalChainSplitter.SplitAsync(solution, field, cancellationToken).ConfigureAwait(false);
        ITypeSymbol target = field.Type.WithNullableAnnotation(NullableAnnotation.NotAnnotated);
        var byDocument = new Dictionary<DocumentId, List<Location>>();
        foreach (ReferencedSymbol referenced in await SymbolFinder.FindReferencesAsync(field, solution, cancellationToken).ConfigureAwait(false))
        {
            foreach (ReferenceLocation location in referenced.Locations)
            {
                if (!byDocument.TryGetValue(location.Document.Id, out List<Location>? list))
                {
                    byDocument[location.Document.Id] = list = new List<Location>();
                }

                list.Add(location.Location);
            }
        }

        foreach (Location declaration in field.Locations.Where(l => l.IsInSource))
        {
            DocumentId? id = solution.GetDocumentIdsWithFilePath(declaration.SourceTree!.FilePath).FirstOrDefault()
                ?? solution.Projects.SelectMany(p => p.Documents).FirstOrDefault(d => d.TryGetSyntaxTree(out SyntaxTree? tree) && tree == declaration.SourceTree)?.Id;
            if (id is not null && !byDocument.ContainsKey(id))
            {
                byDocument[id] = new List<Location>();
            }
        }

        // Every document is read from the original solution (its symbols match the field's), the new roots applied at the end.
        var newRoots = new List<(DocumentId Id, SyntaxNode Root)>();
        foreach (KeyValuePair<DocumentId, List<Location>> entry in byDocument)
        {
            Document document = solution.GetDocument(entry.Key)!;
            SyntaxNode root = (await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false))!;
            SemanticModel model = (await document.GetSemanticModelAsync(cancellationToken).ConfigureAwait(false))!;
            if (model.Compilation.GetTypeByMetadataName("RefHeap.WeakRef`1") is not { } weakRef)
            {
                continue;
            }

            // Spelled as the document's usings allow: WeakRef<Tree> under `using RefHeap;`, else RefHeap.WeakRef<Tree>.
            int position = field.Locations.Concat(entry.Value).Where(l => l.SourceTree == root.SyntaxTree).Select(l => l.SourceSpan.Start).DefaultIfEmpty(0).Min();
            bool imported = model.LookupNamespacesAndTypes(position, name: "WeakRef").Any(s => SymbolEqualityComparer.Default.Equals(s.OriginalDefinition, weakRef));
            string weakType = $"{(imported ? "WeakRef" : "RefHeap.WeakRef")}<{target.ToMinimalDisplayString(model, position)}>";
            var editor = new SyntaxEditor(root, solution.Workspace.Services);
            var names = new HashSet<(SyntaxNode Member, string Name)>();
            foreach (VariableDeclaratorSyntax declarator in field.DeclaringSyntaxReferences
                .Where(r => r.SyntaxTree == root.SyntaxTree)
                .Select(r => r.GetSyntax(cancellationToken)).OfType<VariableDeclaratorSyntax>())
            {
                RewriteDeclaration(editor, declarator, weakType);
            }

            foreach (Location location in entry.Value.OrderByDescending(l => l.SourceSpan.Start))
            {
                if (ReferenceName(root, location) is { } name)
                {
                    RewriteReference(editor, model, names, name, weakType, field.Name);
                }
            }

            // Reparsed, so that spliced expressions (x.F?.Target inside another ?. chain) get the shape the parser gives them.
            Document formatted = await Formatter.FormatAsync(document.WithSyntaxRoot(editor.GetChangedRoot()), Formatter.Annotation, cancellationToken: cancellationToken).ConfigureAwait(false);
            SyntaxNode changed = (await formatted.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false))!;
            newRoots.Add((entry.Key, SyntaxFactory.ParseSyntaxTree(changed.ToFullString(), (CSharpParseOptions)root.SyntaxTree.Options, root.SyntaxTree.FilePath, cancellationToken: cancellationToken).GetRoot(cancellationToken)));
        }

        foreach ((DocumentId id, SyntaxNode newRoot) in newRoots)
        {
            solution = solution.WithDocumentSyntaxRoot(id, newRoot);
        }

        return solution;
    }

    /// <summary>
    /// The field's type becomes <c>WeakRef&lt;T&gt;?</c>. A declaration shared with other fields (<c>Tree? A, Parent, B;</c>)
    /// is split first, so that only this field changes: <c>Tree? A;</c>, <c>WeakRef&lt;Tree&gt;? Parent;</c>, <c>Tree? B;</c>,
    /// in the original order (initializers run in it). Attributes, modifiers and the doc comment apply to every field
    /// of the declaration and go on each part; other leading trivia (comments, directives) stays before the first part,
    /// trailing trivia after the last.
    /// </summary>
    private static void RewriteDeclaration(SyntaxEditor editor, VariableDeclaratorSyntax declarator, string weakType)
    {
        if (declarator.Parent is not VariableDeclarationSyntax declaration)
        {
            return;
        }

        // WeakRef<T>? where nullable reference types exist (C# 8); before, a ? on a class type does not compile.
        TypeSyntax weak = SyntaxFactory.ParseTypeName(weakType);
        weak = (((CSharpParseOptions)declarator.SyntaxTree.Options).LanguageVersion >= LanguageVersion.CSharp8 ? SyntaxFactory.NullableType(weak) : weak).WithTriviaFrom(declaration.Type);
        if (declaration.Variables.Count == 1 || declaration.Parent is not FieldDeclarationSyntax shared)
        {
            editor.ReplaceNode(declaration.Type, weak);
            return;
        }

        int index = declaration.Variables.IndexOf(declarator);
        SyntaxTriviaList docComment = SyntaxFactory.TriviaList(shared.GetLeadingTrivia().Where(t => t.IsKind(SyntaxKind.SingleLineDocumentationCommentTrivia) || t.IsKind(SyntaxKind.MultiLineDocumentationCommentTrivia)));
        List<FieldDeclarationSyntax> parts = new[]
            {
                (Type: declaration.Type, Variables: declaration.Variables.Take(index)),
                (Type: weak, Variables: new[] { declarator }),
                (Type: declaration.Type, Variables: declaration.Variables.Skip(index + 1)),
            }
            .Where(part => part.Variables.Any())
            .Select(part => shared
                .WithDeclaration(SyntaxFactory.VariableDeclaration(part.Type, SyntaxFactory.SeparatedList(part.Variables.Select(v => v.WithoutTrivia()))))
                .WithLeadingTrivia(docComment)
                .WithTrailingTrivia(SyntaxFactory.ElasticCarriageReturnLineFeed)
                .WithAdditionalAnnotations(Formatter.Annotation))
            .ToList();
        parts[0] = parts[0].WithLeadingTrivia(shared.GetLeadingTrivia());
        parts[parts.Count - 1] = parts[parts.Count - 1].WithTrailingTrivia(shared.GetTrailingTrivia());
        editor.InsertAfter(shared, parts.Skip(1));
        editor.ReplaceNode(shared, parts[0]);
    }

    /// <summary>The name a reference location covers, found in doc comments too (<c>&lt;see cref="Parent"/&gt;</c>).</summary>
    private static SimpleNameSyntax? ReferenceName(SyntaxNode root, Location location) =>
        root.FindNode(location.SourceSpan, findInsideTrivia: true, getInnermostNodeForTie: true) as SimpleNameSyntax;

    /// <summary>Rewrites one use of the field; <paramref name="names"/> are the variable names given so far in the document.</summary>
    private static void RewriteReference(SyntaxEditor editor, SemanticModel model, ISet<(SyntaxNode Member, string Name)> names, SimpleNameSyntax name, string weakType, string fieldName)
    {
        ExpressionSyntax access = FieldAccess(name);
        if (ReleaseStatement(access) is { } release)
        {
            editor.RemoveNode(release, SyntaxRemoveOptions.KeepNoTrivia);
            return;
        }

        switch (access.Parent)
        {
            case AssignmentExpressionSyntax assignment when assignment.Left == access && assignment.IsKind(SyntaxKind.SimpleAssignmentExpression):
                if (!IsNull(assignment.Right))
                {
                    bool hadIncRef = RemoveIncRefForTheField(editor, assignment);
                    string value = WeakValue(model, names, assignment.Right, weakType, "__0");
                    editor.ReplaceNode(assignment.Right, (current, _) => Fill(value, (ExpressionSyntax)current).WithTriviaFrom(current));

                    // A plain store without IncRef moved a local's reference into the field. A weak field takes no
                    // reference, so the moved one must be released, after the local's last use, or it would leak.
                    if (!hadIncRef && MovedLocalRelease(model, assignment) is { } releaseAfter)
                    {
                        editor.InsertAfter(releaseAfter, OnItsOwnLine(Release(model, (ExpressionSyntax)assignment.Right)));
                    }
                }

                return;
            case ArgumentSyntax { Parent: ArgumentListSyntax { Parent: InvocationExpressionSyntax { Expression: IdentifierNameSyntax { Identifier.ValueText: "nameof" } } } }:
            case CrefSyntax:
                // nameof(x.F) and <see cref="F"/> name the field, whatever its type.
                return;
            case ArgumentSyntax { Parent: ArgumentListSyntax { Parent: InvocationExpressionSyntax invocation } } argument
                when argument.RefKindKeyword.IsKind(SyntaxKind.RefKeyword) && RefFieldMethod(invocation) is { } method &&
                     invocation.Parent is ExpressionStatementSyntax or ArrowExpressionClauseSyntax or LambdaExpressionSyntax:
                RewriteRefFieldCall(editor, model, names, invocation, method, weakType);
                return;
            case MemberAccessExpressionSyntax or ElementAccessExpressionSyntax when IsDereferenced(access):
                // x.F.Name: a dead target fails with a clear message rather than a NullReferenceException, where
                // that throw leaks nothing; where the function holds references of its own (a throw there would
                // leak them), the read stays an expression without a throw path: x.F!.Target!.Name.
                string template = HoldsReferences(model, access)
                    ? "__0!.Target!"
                    : $"(__0?.Target ?? throw new System.InvalidOperationException(\"The target of the weak reference '{fieldName}' was released.\"))";
                editor.ReplaceNode(access, (current, _) => Fill(template, (ExpressionSyntax)current).WithTriviaFrom(current));
                return;
            default:
                // Any other read is the borrowed target, null once it died: x.F?.Target, x?.F?.Target, x?.F?.Target?.Name.
                editor.ReplaceNode(access, (current, _) => SyntaxFactory.ConditionalAccessExpression(
                    ((ExpressionSyntax)current).WithoutTrivia(), SyntaxFactory.MemberBindingExpression(SyntaxFactory.IdentifierName("Target"))).WithTriviaFrom(current));
                return;
        }
    }

    /// <summary>
    /// A store other than <c>x.F = v</c>: compound (<c>x.F ??= v</c>, which stores only sometimes, so a release of the
    /// moved value could not follow it unconditionally) or deconstructing (<c>(x.F, y) = t</c>).
    /// </summary>
    private static bool IsOtherStore(ExpressionSyntax access)
    {
        if (access.Parent is AssignmentExpressionSyntax assignment && assignment.Left == access)
        {
            return !assignment.IsKind(SyntaxKind.SimpleAssignmentExpression);
        }

        SyntaxNode target = access;
        while (target.Parent is ArgumentSyntax { Parent: TupleExpressionSyntax tuple })
        {
            target = tuple;
        }

        return target != access && target.Parent is AssignmentExpressionSyntax { Left: var left } && left == target;
    }

    /// <summary>The field access a reference names: <c>x.F</c>, <c>.F</c> in a <c>?.</c> chain, or plain <c>F</c>.</summary>
    internal static ExpressionSyntax FieldAccess(SimpleNameSyntax name) => name.Parent switch
    {
        MemberAccessExpressionSyntax member when member.Name == name => member,
        MemberBindingExpressionSyntax binding => binding,
        _ => name,
    };

    /// <summary>True when the field's value is dereferenced: <c>x.F.Name</c>, <c>x.F[i]</c>.</summary>
    private static bool IsDereferenced(ExpressionSyntax access) =>
        access.Parent is MemberAccessExpressionSyntax member && member.Expression == access ||
        access.Parent is ElementAccessExpressionSyntax element && element.Expression == access;

    /// <summary>
    /// For a read dereferenced inside a <c>?.</c> chain (<c>x?.F.Name</c>, <c>x?.a.F.Name</c>, not a release), the
    /// binding that starts it (<c>.F</c>, <c>.a</c>): a chain can be neither parenthesized nor continued by a throw,
    /// so the read needs <see cref="ConditionalChainSplitter"/>. Else null.
    /// </summary>
    internal static ExpressionSyntax? DereferencedInChain(ExpressionSyntax access) =>
        IsDereferenced(access) && ReleaseStatement(access) is null ? ChainBinding(access) : null;

    /// <summary>The binding that starts <paramref name="expression"/> when it continues a <c>?.</c> chain, else null.</summary>
    private static ExpressionSyntax? ChainBinding(ExpressionSyntax expression) => expression switch
    {
        MemberBindingExpressionSyntax or ElementBindingExpressionSyntax => expression,
        MemberAccessExpressionSyntax member => ChainBinding(member.Expression),
        ElementAccessExpressionSyntax element => ChainBinding(element.Expression),
        InvocationExpressionSyntax invocation => ChainBinding(invocation.Expression),
        PostfixUnaryExpressionSyntax suppressed => ChainBinding(suppressed.Operand),
        _ => null,
    };

    /// <summary>
    /// The statement that only releases the field's reference, which a weak field does not hold: <c>x.F.DecRef();</c>,
    /// <c>x.F?.Dispose();</c>, <c>x?.F.DecRef();</c>, <c>x?.F?.DecRef();</c>.
    /// </summary>
    private static ExpressionStatementSyntax? ReleaseStatement(ExpressionSyntax access)
    {
        ExpressionSyntax? release = access.Parent switch
        {
            MemberAccessExpressionSyntax member when member.Expression == access && IsRelease(member.Name) && member.Parent is InvocationExpressionSyntax call && call.Expression == member => call,
            ConditionalAccessExpressionSyntax chain when chain.Expression == access && chain.WhenNotNull is InvocationExpressionSyntax { Expression: MemberBindingExpressionSyntax binding } && IsRelease(binding.Name) => chain,
            _ => null,
        };

        // Out of the ?. chains the release ends (x?.F.DecRef()).
        while (release?.Parent is ConditionalAccessExpressionSyntax outer && outer.WhenNotNull == release)
        {
            release = outer;
        }

        return release?.Parent as ExpressionStatementSyntax;
    }

    /// <summary>
    /// <c>RefField.Set/Move/Clear(ref x.F, v)</c> becomes a weak store, built from the call as edited: a read of the
    /// field in the value (<c>RefField.Set(ref a.Parent, b.Parent)</c>) has been rewritten already.
    /// </summary>
    private static void RewriteRefFieldCall(SyntaxEditor editor, SemanticModel model, ISet<(SyntaxNode Member, string Name)> names, InvocationExpressionSyntax invocation, string method, string weakType)
    {
        ExpressionSyntax? value = method == "Clear" ? null : invocation.ArgumentList.Arguments[1].Expression;
        string store = value is null || IsNull(value) ? "__0 = null" : $"__0 = {WeakValue(model, names, value, weakType, "__1")}";
        editor.ReplaceNode(invocation, (current, _) => Fill(store, ((InvocationExpressionSyntax)current).ArgumentList.Arguments.Select(a => a.Expression).ToArray()).WithTriviaFrom(current));

        // Move stole the caller's reference; a weak field takes none, so it is released after the store.
        if (method == "Move" && value is not null && !IsNull(value))
        {
            AppendStatement(editor, invocation, Release(model, value));
        }
    }

    /// <summary>
    /// A template for <see cref="Fill"/> of the weak store's value, <paramref name="value"/> being the hole
    /// <paramref name="hole"/>: <c>new WeakRef&lt;T&gt;(v)</c>. A value that may be null (a <c>Tree?</c> parameter) was
    /// stored as null by the strong field but would make WeakRef's constructor throw, so it is tested first, once:
    /// <c>v is { } tree ? new WeakRef&lt;T&gt;(tree) : null</c>.
    /// </summary>
    private static string WeakValue(SemanticModel model, ISet<(SyntaxNode Member, string Name)> names, ExpressionSyntax value, string weakType, string hole)
    {
        if (!MayBeNull(model, value))
        {
            return $"new {weakType}({hole})";
        }

        string variable = ConditionalChainSplitter.FreshName(model, value, model.GetTypeInfo(value).Type, names);
        return $"{hole} is {{ }} {variable} ? new {weakType}({variable}) : null";
    }

    /// <summary><c>v.DecRef();</c>, or <c>v?.DecRef();</c> for a value that may be null.</summary>
    private static StatementSyntax Release(SemanticModel model, ExpressionSyntax value) =>
        SyntaxFactory.ParseStatement($"{value.WithoutTrivia()}{(MayBeNull(model, value) ? "?" : "")}.DecRef();");

    private static bool MayBeNull(SemanticModel model, ExpressionSyntax value) =>
        model.GetTypeInfo(value).Nullability.FlowState == NullableFlowState.MaybeNull;

    /// <summary>
    /// Puts <paramref name="added"/> after the statement or expression body that <paramref name="expression"/> is.
    /// An embedded statement (<c>if (c) ...;</c>) or an expression body (<c>void M() =&gt; ...</c>, <c>p =&gt; ...</c>,
    /// an accessor's) becomes a block, as two statements need one.
    /// </summary>
    private static void AppendStatement(SyntaxEditor editor, ExpressionSyntax expression, StatementSyntax added)
    {
        added = added.WithAdditionalAnnotations(Formatter.Annotation);
        if (expression.Parent is ExpressionStatementSyntax { Parent: BlockSyntax } inBlock)
        {
            editor.InsertAfter(inBlock, added);
            return;
        }

        // In a new block, elastic line ends let the formatter put each statement on its own line.
        added = added.WithTrailingTrivia(SyntaxFactory.ElasticCarriageReturnLineFeed);
        switch (expression.Parent)
        {
            case ExpressionStatementSyntax statement:
                editor.ReplaceNode(statement, (current, _) => SyntaxFactory.Block((StatementSyntax)current, added).WithAdditionalAnnotations(Formatter.Annotation));
                break;
            case LambdaExpressionSyntax or ArrowExpressionClauseSyntax:
                SyntaxNode owner = expression.Parent is ArrowExpressionClauseSyntax arrow ? arrow.Parent! : expression.Parent;
                editor.ReplaceNode(owner, (current, generator) =>
                {
                    ExpressionSyntax body = current is LambdaExpressionSyntax lambda ? lambda.ExpressionBody! : current.ChildNodes().OfType<ArrowExpressionClauseSyntax>().Single().Expression;
                    return generator.WithStatements(current, new[] { SyntaxFactory.ExpressionStatement(body.WithoutTrivia()).WithTrailingTrivia(SyntaxFactory.ElasticCarriageReturnLineFeed), added }).WithAdditionalAnnotations(Formatter.Annotation);
                });
                break;
        }
    }

    /// <summary>
    /// Removes the <c>v.IncRef();</c> made for the field: the statement right before the store, or right after it
    /// (<c>leaf.Parent = root; root.IncRef();</c>, issue 9). True if there was one.
    /// </summary>
    private static bool RemoveIncRefForTheField(SyntaxEditor editor, AssignmentExpressionSyntax assignment)
    {
        if (RemovePrecedingIncRef(editor, assignment))
        {
            return true;
        }

        if (FollowingIncRef(assignment) is { } following)
        {
            editor.RemoveNode(following, SyntaxRemoveOptions.KeepNoTrivia);
            return true;
        }

        return false;
    }

    /// <summary>The statement <c>v.IncRef();</c> right after the statement <c>x.F = v;</c>, else null.</summary>
    private static StatementSyntax? FollowingIncRef(AssignmentExpressionSyntax assignment)
    {
        if (StoreStatement(assignment) is not { Parent: BlockSyntax block } statement)
        {
            return null;
        }

        return StatementBeside(block, statement, 1) is { } next && IncRefs(next, assignment.Right) ? next : null;
    }

    /// <summary>
    /// For a plain store of a local without an IncRef for the field (<c>x.F = v;</c> moved v's reference into it): the
    /// statement after which the fix releases v, the last statement of the store's block that mentions v. Null when
    /// nothing is to be released (the value is not a local, the IncRef is there) or when no release can be placed
    /// there without a later use following it (v is used after the block, or its last use leaves the function):
    /// <see cref="CanRewriteAsync"/> then does not offer the fix.
    /// </summary>
    private static StatementSyntax? MovedLocalRelease(SemanticModel model, AssignmentExpressionSyntax assignment) =>
        MovedLocal(model, assignment) is { } moved ? moved.ReleaseAfter : null;

    private static (ILocalSymbol Local, StatementSyntax? ReleaseAfter)? MovedLocal(SemanticModel model, AssignmentExpressionSyntax assignment)
    {
        if (assignment.Right is not IdentifierNameSyntax value || model.GetSymbolInfo(value).Symbol is not ILocalSymbol local ||
            PrecedingIncRef(assignment) is not null || FollowingIncRef(assignment) is not null)
        {
            return null;
        }

        if (StoreStatement(assignment) is not { Parent: BlockSyntax block } store)
        {
            return (local, null);
        }

        int index = block.Statements.IndexOf(store);
        StatementSyntax last = store;
        foreach (StatementSyntax later in block.Statements.Skip(index + 1))
        {
            if (Mentions(model, later, local))
            {
                last = later;
            }
        }

        // Any mention after the block (an enclosing block's later statements, a loop's next round) is out of reach.
        SyntaxNode? function = block.Ancestors().FirstOrDefault(IsFunction) ?? block.SyntaxTree.GetRoot();
        bool usedAfterBlock = function.DescendantNodes().OfType<IdentifierNameSyntax>().Any(n =>
            n.SpanStart >= block.Span.End && n.Identifier.ValueText == local.Name && SymbolEqualityComparer.Default.Equals(model.GetSymbolInfo(n).Symbol, local));
        bool inLoop = block.Ancestors().TakeWhile(n => !IsFunction(n)).Any(n => n is ForStatementSyntax or ForEachStatementSyntax or WhileStatementSyntax or DoStatementSyntax);
        if (usedAfterBlock || inLoop || last is ReturnStatementSyntax or ThrowStatementSyntax || last != store && last.DescendantNodes().Any(n => n is ReturnStatementSyntax or ThrowStatementSyntax))
        {
            return (local, null);
        }

        return (local, last);
    }

    private static bool Mentions(SemanticModel model, SyntaxNode node, ILocalSymbol local) =>
        node.DescendantNodesAndSelf().OfType<IdentifierNameSyntax>().Any(n => n.Identifier.ValueText == local.Name && SymbolEqualityComparer.Default.Equals(model.GetSymbolInfo(n).Symbol, local));

    private static bool IsFunction(SyntaxNode node) =>
        node is BaseMethodDeclarationSyntax or AccessorDeclarationSyntax or LocalFunctionStatementSyntax or AnonymousFunctionExpressionSyntax or ArrowExpressionClauseSyntax;

    /// <summary>
    /// True when the function around <paramref name="node"/> declares a local of a RefObject type or takes a
    /// <c>[StealsReference]</c> parameter: it may own references there, and a throw added there would leak them.
    /// (Pattern and foreach variables only borrow: the chain splitter's <c>node is { } tree</c> owns nothing.)
    /// </summary>
    private static bool HoldsReferences(SemanticModel model, SyntaxNode node)
    {
        INamedTypeSymbol? refObject = model.Compilation.GetTypeByMetadataName("RefHeap.RefObject");
        if (refObject is null)
        {
            return false;
        }

        SyntaxNode? function = node.Ancestors().FirstOrDefault(n => n is BaseMethodDeclarationSyntax or AccessorDeclarationSyntax or LocalFunctionStatementSyntax or AnonymousFunctionExpressionSyntax or BasePropertyDeclarationSyntax);
        IEnumerable<SyntaxNode> scope = function is null
            ? node.SyntaxTree.GetRoot().ChildNodes().OfType<GlobalStatementSyntax>()
            : new[] { function };
        foreach (SyntaxNode declaration in scope.SelectMany(s => s.DescendantNodesAndSelf()))
        {
            ISymbol? symbol = declaration switch
            {
                VariableDeclaratorSyntax { Parent.Parent: not FieldDeclarationSyntax and not EventFieldDeclarationSyntax } => model.GetDeclaredSymbol(declaration),
                ParameterSyntax parameter when parameter.AttributeLists.SelectMany(l => l.Attributes).Any(a => a.Name.ToString().Contains("StealsReference")) => model.GetDeclaredSymbol(declaration),
                _ => null,
            };
            ITypeSymbol? type = symbol switch
            {
                ILocalSymbol local => local.Type,
                IParameterSymbol parameter => parameter.Type,
                _ => null,
            };
            for (ITypeSymbol? t = type; t is not null; t = t.BaseType)
            {
                if (SymbolEqualityComparer.Default.Equals(t, refObject))
                {
                    return true;
                }
            }
        }

        return false;
    }

    /// <summary>An inserted statement on a line of its own: elastic line ends let the formatter break around it.</summary>
    private static StatementSyntax OnItsOwnLine(StatementSyntax statement) =>
        statement.WithLeadingTrivia(SyntaxFactory.ElasticMarker).WithTrailingTrivia(SyntaxFactory.ElasticMarker).WithAdditionalAnnotations(Formatter.Annotation);

    /// <summary>The statement <c>v.IncRef();</c> right before the statement storing <c>v</c>, else null.</summary>
    private static StatementSyntax? PrecedingIncRef(AssignmentExpressionSyntax assignment)
    {
        if (StoreStatement(assignment) is not { Parent: BlockSyntax block } statement)
        {
            return null;
        }

        return StatementBeside(block, statement, -1) is { } previous && IncRefs(previous, assignment.Right) ? previous : null;
    }

    /// <summary>The statement <paramref name="offset"/> places from <paramref name="statement"/> in its block, or null.</summary>
    private static StatementSyntax? StatementBeside(BlockSyntax block, StatementSyntax statement, int offset)
    {
        int index = block.Statements.IndexOf(statement) + offset;
        return index >= 0 && index < block.Statements.Count ? block.Statements[index] : null;
    }

    /// <summary>Whether <paramref name="statement"/> is <c>value.IncRef();</c> (or <c>IncRef();</c> when the value is <c>this</c>).</summary>
    private static bool IncRefs(StatementSyntax statement, ExpressionSyntax value) =>
        statement is ExpressionStatementSyntax { Expression: InvocationExpressionSyntax { ArgumentList.Arguments.Count: 0 } call }
            && call.Expression switch
            {
                MemberAccessExpressionSyntax { Name.Identifier.ValueText: "IncRef" } incRef => SyntaxFactory.AreEquivalent(incRef.Expression, value),
                IdentifierNameSyntax { Identifier.ValueText: "IncRef" } => value.IsKind(SyntaxKind.ThisExpression),
                _ => false,
            };

    /// <summary>
    /// Removes <c>v.IncRef();</c> right before the statement storing <c>v</c> (<c>x.F = v;</c>, <c>var t = new T { F = v };</c>):
    /// it gave the field its own reference, which a weak field does not need. True if there was one.
    /// </summary>
    private static bool RemovePrecedingIncRef(SyntaxEditor editor, AssignmentExpressionSyntax assignment)
    {
        if (StoreStatement(assignment) is not { Parent: BlockSyntax block } statement)
        {
            return false;
        }

        int index = block.Statements.IndexOf(statement);
        if (index > 0 && block.Statements[index - 1] is ExpressionStatementSyntax { Expression: InvocationExpressionSyntax { ArgumentList.Arguments.Count: 0 } call } previous &&
            call.Expression switch
            {
                MemberAccessExpressionSyntax { Name.Identifier.ValueText: "IncRef" } incRef => SyntaxFactory.AreEquivalent(incRef.Expression, assignment.Right),
                IdentifierNameSyntax { Identifier.ValueText: "IncRef" } => assignment.Right.IsKind(SyntaxKind.ThisExpression),
                _ => false,
            })
        {
            editor.RemoveNode(previous, SyntaxRemoveOptions.KeepNoTrivia);
            return true;
        }

        return false;
    }

    /// <summary>
    /// The statement of a block that performs the store: <c>x.F = v;</c> itself, or the statement creating the object
    /// whose initializer sets the field (<c>var t = new T { F = v };</c>, <c>list.Add(new T { F = v });</c>). Null
    /// elsewhere (an expression body, a lambda, an <c>if</c> condition, a <c>return</c>): no statement can go right
    /// before or after the store there.
    /// </summary>
    private static StatementSyntax? StoreStatement(AssignmentExpressionSyntax assignment)
    {
        SyntaxNode? store = assignment.Parent is InitializerExpressionSyntax { Parent: BaseObjectCreationExpressionSyntax creation }
            ? creation.FirstAncestorOrSelf<SyntaxNode>(n => n is StatementSyntax or AnonymousFunctionExpressionSyntax)
            : assignment.Parent;
        return store is ExpressionStatementSyntax { Parent: BlockSyntax } or LocalDeclarationStatementSyntax { Parent: BlockSyntax } ? (StatementSyntax)store : null;
    }

    private static string? RefFieldMethod(InvocationExpressionSyntax invocation) =>
        invocation.Expression is MemberAccessExpressionSyntax { Expression: var type, Name.Identifier.ValueText: var name } &&
        type.ToString() is "RefField" or "RefHeap.RefField" or "global::RefHeap.RefField" &&
        name is "Set" or "Move" or "Clear"
            ? name
            : null;

    private static bool IsRelease(SimpleNameSyntax name) => name.Identifier.ValueText is "DecRef" or "Dispose";

    private static bool IsNull(ExpressionSyntax expression) =>
        expression.IsKind(SyntaxKind.NullLiteralExpression) || expression.IsKind(SyntaxKind.DefaultLiteralExpression);

    /// <summary>
    /// Parses <paramref name="template"/> with <paramref name="holes"/> in place of its names <c>__0</c>, <c>__1</c>. They
    /// go in as nodes, not text, so that edits still to come inside them find their nodes (<c>x.Parent.Parent.Name</c>
    /// rewrites the outer read first).
    /// </summary>
    private static ExpressionSyntax Fill(string template, params ExpressionSyntax[] holes)
    {
        ExpressionSyntax parsed = SyntaxFactory.ParseExpression(template);
        return parsed.ReplaceNodes(
            parsed.DescendantNodes().OfType<IdentifierNameSyntax>().Where(n => Hole(n) is not null),
            (hole, _) => holes[Hole(hole)!.Value].WithTriviaFrom(hole));
    }

    /// <summary>The index of a hole name (<c>__1</c>: 1), null for any other name (a type the template spells).</summary>
    private static int? Hole(IdentifierNameSyntax name) =>
        name.Identifier.ValueText is { Length: > 2 } text && text.StartsWith("__", System.StringComparison.Ordinal) &&
        int.TryParse(text.Substring(2), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int index)
            ? index
            : null;
}
