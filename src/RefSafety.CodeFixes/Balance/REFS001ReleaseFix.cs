using System.Collections.Immutable;
using System.Composition;
using System.Linq;
using System;
using System.Collections.Generic;
using Microsoft.CodeAnalysis;
using RefSafety.Analyzers;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Formatting;

namespace RefSafety.CodeFixes.Balance;

/// <summary>
/// REFS001 fixes. "Release before this exit" inserts <c>x.DecRef();</c> just before the leaking return or throw (or
/// at the end of the body), unless that statement still uses <c>x</c>; a discarded <c>[NewReference]</c> result is
/// disposed in place. "Release the field's old value before the store" inserts <c>_f?.DecRef();</c> before a store
/// that overwrites a field still owning a reference. "Release with using" turns <c>var x = new T();</c> into <c>using var x = new T();</c> when
/// the method only ever reads members of <c>x</c>, so the using is correct on every path and changes no other path;
/// "Release in finally", under the same condition, puts the rest of the block in a try whose finally releases x.
/// "Hold it in a using variable" gives a new object passed straight to a call a <c>using</c> local of its own.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(REFS001ReleaseFix))]
[Shared]
public sealed class REFS001ReleaseFix : BalanceFix
{
    /// <inheritdoc/>
    public override ImmutableArray<string> FixableDiagnosticIds { get; } = BalanceEdits.Ids("REFS001");

    private protected override IReadOnlyList<(string Title, Func<SyntaxNode, Diagnostic, BalanceEdit?> Edit)> Actions { get; } =
        new (string, Func<SyntaxNode, Diagnostic, BalanceEdit?>)[]
        {
            ("Release before this exit", ReleaseEdit),
            ("Release with using", UsingEdit),
            ("Release in finally", FinallyEdit),
            ("Release the field's old value before the store", ReleaseFieldEdit),
            ("Hold it in a using variable", HoldInUsingEdit),
        };

    private static BalanceEdit? ReleaseEdit(SyntaxNode root, Diagnostic diagnostic)
    {
        if (BalanceEdits.VariableName(diagnostic) is not { } name)
        {
            return null;
        }

        SyntaxNode node = root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true);
        if (node is InvocationExpressionSyntax discarded && discarded.Parent is ExpressionStatementSyntax)
        {
            return editor => editor.ReplaceNode(discarded, SyntaxFactory.InvocationExpression(
                SyntaxFactory.MemberAccessExpression(SyntaxKind.SimpleMemberAccessExpression, discarded, SyntaxFactory.IdentifierName("Dispose"))));
        }

        // Only where every path reaching the exit owns exactly one reference (or null): elsewhere a release there would
        // over-release the paths that already gave theirs up.
        if (!diagnostic.Properties.TryGetValue(DiagnosticProperties.ExitRelease, out string? release) || release is null)
        {
            return null;
        }

        StatementSyntax Release() => release.StartsWith("?", StringComparison.Ordinal)
            ? BalanceEdits.ConditionalCall(SyntaxFactory.IdentifierName(name), "DecRef")
            : BalanceEdits.Call(SyntaxFactory.IdentifierName(name), "DecRef");

        if (node.FirstAncestorOrSelf<StatementSyntax>() is { } exit && exit is ReturnStatementSyntax or ThrowStatementSyntax
            && BalanceEdits.StatementInBlock(exit) is not null
            && !BalanceEdits.References(exit, name).Any())
        {
            return editor => editor.InsertBefore(exit, Release());
        }

        SyntaxToken token = root.FindToken(diagnostic.Location.SourceSpan.Start);
        if (token.IsKind(SyntaxKind.CloseBraceToken) && token.Parent is BlockSyntax body && body.Statements.Count > 0)
        {
            return editor => editor.InsertAfter(body.Statements.Last(), Release());
        }

        return null;
    }

    // An overwritten field: release what it holds (it may be null) just before the store.
    private static BalanceEdit? ReleaseFieldEdit(SyntaxNode root, Diagnostic diagnostic)
    {
        if (BalanceEdits.VariableName(diagnostic) is not { } name
            || root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true) is not AssignmentExpressionSyntax { Parent: ExpressionStatementSyntax store } assignment
            || BalanceEdits.StatementInBlock(store) is null
            || !BalanceEdits.IsSimpleName(assignment.Left)
            || BalanceEdits.References(assignment.Right, name).Any())
        {
            return null;
        }

        // Before the new value's own IncRef when one precedes the store (`_f?.DecRef(); v.IncRef(); _f = v;`), the
        // shape the analyzer recognizes as a reference handed to the field (between the two it reports a leak of v).
        StatementSyntax before = store;
        if (store.Parent is BlockSyntax block && block.Statements.IndexOf(store) is > 0 and var index
            && block.Statements[index - 1] is ExpressionStatementSyntax { Expression: InvocationExpressionSyntax { ArgumentList.Arguments.Count: 0, Expression: MemberAccessExpressionSyntax { Name.Identifier.ValueText: "IncRef" } incRef } } previous
            && SyntaxFactory.AreEquivalent(incRef.Expression, assignment.Right))
        {
            before = previous;
        }

        return editor => editor.InsertBefore(before, BalanceEdits.ConditionalCall(assignment.Left, "DecRef"));
    }

    // `list.Add(new Node())`: the new object goes into a `using` local declared just before the statement, released at
    // the end of the block on every path. Names come from all such arguments of the statement in order, so that Fix
    // All, which computes each edit from the same original tree, gives two of them different names.
    private static BalanceEdit? HoldInUsingEdit(SyntaxNode root, Diagnostic diagnostic)
    {
        SyntaxNode node = root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true);
        ArgumentSyntax? argument = node as ArgumentSyntax ?? node.Parent as ArgumentSyntax;
        if (argument is null || !IsCreation(argument.Expression)
            || argument.FirstAncestorOrSelf<StatementSyntax>() is not { Parent: BlockSyntax } statement
            || statement is LocalDeclarationStatementSyntax { UsingKeyword.RawKind: not 0 }
            || statement.FirstAncestorOrSelf<MemberDeclarationSyntax>() is not { } member)
        {
            return null;
        }

        List<ArgumentSyntax> created = statement.DescendantNodes().OfType<ArgumentSyntax>().Where(a => IsCreation(a.Expression)).ToList();
        var taken = new HashSet<string>(member.DescendantTokens().Where(t => t.IsKind(SyntaxKind.IdentifierToken)).Select(t => t.ValueText));
        string name = string.Empty;
        foreach (ArgumentSyntax each in created)
        {
            string candidate = BaseName(each.Expression);
            for (int i = 2; taken.Contains(candidate); i++)
            {
                candidate = BaseName(each.Expression) + i;
            }

            taken.Add(candidate);
            if (each == argument)
            {
                name = candidate;
            }
        }

        LocalDeclarationStatementSyntax declaration = SyntaxFactory.LocalDeclarationStatement(
                SyntaxFactory.VariableDeclaration(
                    SyntaxFactory.IdentifierName("var"),
                    SyntaxFactory.SingletonSeparatedList(SyntaxFactory.VariableDeclarator(name).WithInitializer(SyntaxFactory.EqualsValueClause(argument.Expression.WithoutTrivia())))))
            .WithUsingKeyword(SyntaxFactory.Token(SyntaxKind.UsingKeyword))
            .WithAdditionalAnnotations(Formatter.Annotation);
        return editor =>
        {
            editor.InsertBefore(statement, declaration);
            editor.ReplaceNode(argument.Expression, SyntaxFactory.IdentifierName(name).WithTriviaFrom(argument.Expression));
        };
    }

    private static bool IsCreation(ExpressionSyntax expression) => expression is BaseObjectCreationExpressionSyntax or InvocationExpressionSyntax;

    private static string BaseName(ExpressionSyntax expression)
    {
        string type = expression is ObjectCreationExpressionSyntax { Type: var typeSyntax }
            ? typeSyntax switch
            {
                GenericNameSyntax generic => generic.Identifier.ValueText,
                QualifiedNameSyntax qualified => qualified.Right.Identifier.ValueText,
                IdentifierNameSyntax identifier => identifier.Identifier.ValueText,
                _ => "created",
            }
            : "created";
        return char.ToLowerInvariant(type[0]) + type.Substring(1);
    }

    private static BalanceEdit? UsingEdit(SyntaxNode root, Diagnostic diagnostic)
    {
        if (OnlyReadLocal(root, diagnostic) is not (LocalDeclarationStatementSyntax declaration, _))
        {
            return null;
        }

        // The indentation lives on the first token (the type): move it to the new `using` keyword.
        SyntaxTriviaList indentation = declaration.GetLeadingTrivia();
        // Idempotent: several leaks of the same variable (Fix All) turn the one declaration into a using once.
        return editor => editor.ReplaceNode(declaration, (current, _) => current is LocalDeclarationStatementSyntax { UsingKeyword.RawKind: 0 } local
            ? local.WithoutLeadingTrivia().WithUsingKeyword(SyntaxFactory.Token(SyntaxKind.UsingKeyword).WithLeadingTrivia(indentation).WithTrailingTrivia(SyntaxFactory.Space))
            : current);
    }

    // The statements after the declaration go into a try whose finally releases the local: correct on every path for
    // the same reason as the using (nothing else takes or gives up the reference), and it keeps `DecRef` visible.
    private static BalanceEdit? FinallyEdit(SyntaxNode root, Diagnostic diagnostic)
    {
        if (OnlyReadLocal(root, diagnostic) is not (LocalDeclarationStatementSyntax declaration, string name)
            || declaration.Parent is not BlockSyntax block
            || block.Statements.IndexOf(declaration) == block.Statements.Count - 1)
        {
            return null;
        }

        // Idempotent: several leaks of the same variable (Fix All) wrap the block once.
        return editor => editor.ReplaceNode(block, (current, _) =>
        {
            var scope = (BlockSyntax)current;
            int at = scope.Statements.IndexOf(s => s is LocalDeclarationStatementSyntax local && local.Declaration.Variables.Count == 1 && local.Declaration.Variables[0].Identifier.ValueText == name);
            if (at < 0 || at == scope.Statements.Count - 1)
            {
                return current;
            }

            // The rest of the block is already a try/finally (whose release the bug lost): the release goes at the
            // end of that finally, once.
            if (scope.Statements[at + 1] is TryStatementSyntax { Finally: { } existing } tryStatement && scope.Statements.Count == at + 2)
            {
                return existing.Block.Statements.Any(s => s is ExpressionStatementSyntax { Expression: InvocationExpressionSyntax { Expression: MemberAccessExpressionSyntax { Expression: IdentifierNameSyntax target, Name.Identifier.ValueText: "DecRef" or "Dispose" } } } && target.Identifier.ValueText == name)
                    ? current
                    : scope.ReplaceNode(existing.Block, existing.Block.AddStatements(BalanceEdits.Call(SyntaxFactory.IdentifierName(name), "DecRef")).WithAdditionalAnnotations(Formatter.Annotation));
            }

            TryStatementSyntax release = SyntaxFactory.TryStatement(
                    SyntaxFactory.Block(scope.Statements.Skip(at + 1)),
                    default,
                    SyntaxFactory.FinallyClause(SyntaxFactory.Block(BalanceEdits.Call(SyntaxFactory.IdentifierName(name), "DecRef"))))
                .WithAdditionalAnnotations(Formatter.Annotation);
            return scope.WithStatements(SyntaxFactory.List(scope.Statements.Take(at + 1).Append(release)));
        });
    }

    /// <summary>
    /// The declaration of the leaking local when every other mention of it is the receiver of a member access that
    /// is not a count operation: then nothing else ever takes or gives up its reference, and releasing it at the end of
    /// its scope is right on every path and changes no other path.
    /// </summary>
    private static (LocalDeclarationStatementSyntax Declaration, string Name)? OnlyReadLocal(SyntaxNode root, Diagnostic diagnostic)
    {
        if (BalanceEdits.VariableName(diagnostic) is not { } name)
        {
            return null;
        }

        SyntaxNode anchor = root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true);
        BlockSyntax? body = anchor.AncestorsAndSelf().OfType<BlockSyntax>().LastOrDefault(b => b.Parent is BaseMethodDeclarationSyntax or LocalFunctionStatementSyntax or AccessorDeclarationSyntax);
        LocalDeclarationStatementSyntax? declaration = body?.DescendantNodes().OfType<LocalDeclarationStatementSyntax>()
            .FirstOrDefault(d => d.Declaration.Variables.Count == 1 && d.Declaration.Variables[0].Identifier.ValueText == name && d.UsingKeyword == default);
        if (body is null || declaration?.Parent is not BlockSyntax || declaration.Declaration.Variables[0].Initializer is null)
        {
            return null;
        }

        bool onlyMemberReads = BalanceEdits.References(body, name).All(reference =>
            reference.Parent is MemberAccessExpressionSyntax member && member.Expression == reference
            && member.Name.Identifier.ValueText is not ("DecRef" or "Dispose" or "IncRef"));
        return onlyMemberReads ? (declaration, name) : null;
    }
}
