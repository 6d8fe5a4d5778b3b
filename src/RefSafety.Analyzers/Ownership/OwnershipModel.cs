using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;

using RefSafety.Analyzers.Engine;

namespace RefSafety.Analyzers.Ownership;

/// <summary>What a method's result gives its caller.</summary>
internal enum ReturnOwnership
{
    /// <summary>Nothing to own (not a reference, or a void method).</summary>
    None,

    /// <summary>A borrowed reference (+0).</summary>
    Borrowed,

    /// <summary>A new reference (+1) the caller must release or hand on.</summary>
    New,
}

/// <summary>
/// The RefHeap ownership model of one compilation, resolved once at compilation start: which types are reference
/// counted, which calls add, release, steal or return references. Null when RefHeap is not referenced, so
/// analyzers bail out at once on other projects. Thread-safe: analyzers run concurrently.
/// </summary>
internal sealed class OwnershipModel
{
    private static readonly string[] NewReferencePrefixes = { "Create", "New", "Copy", "Clone", "Make", "Pop" };

    private readonly ConcurrentDictionary<IMethodSymbol, ReturnOwnership> _returns = new(SymbolEqualityComparer.Default);
    private readonly ConcurrentDictionary<IParameterSymbol, ReturnOwnership> _outs = new(SymbolEqualityComparer.Default);
    private readonly Func<IMethodSymbol, ReturnOwnership> _computeReturn;
    private readonly Func<IParameterSymbol, ReturnOwnership> _computeOut;
    private readonly ConcurrentDictionary<IPropertySymbol, bool> _autoProperties = new(SymbolEqualityComparer.Default);
    private readonly ConcurrentDictionary<IParameterSymbol, bool> _steals = new(SymbolEqualityComparer.Default);
    private readonly Func<IParameterSymbol, bool> _computeSteals;

    private OwnershipModel(RefHeapSymbols? symbols)
    {
        Symbols = symbols;
        _computeReturn = ComputeReturn;
        _computeOut = ComputeOut;
        _computeSteals = ComputeSteals;
    }

    /// <summary>RefHeap's symbols; null when only external APIs (.editorconfig) are checked.</summary>
    public RefHeapSymbols? Symbols { get; }

    private INamedTypeSymbol? NewReferenceAttribute => Symbols?.NewReferenceAttribute;

    private INamedTypeSymbol? BorrowedReferenceAttribute => Symbols?.BorrowedReferenceAttribute;

    private INamedTypeSymbol? StealsReferenceAttribute => Symbols?.StealsReferenceAttribute;

    /// <summary>The model, or null when the compilation references neither RefHeap nor, if <paramref name="options"/> are given, any API configured in .editorconfig.</summary>
    public static OwnershipModel? TryCreate(Compilation compilation, AnalyzerConfigOptionsProvider? options = null)
    {
        RefHeapSymbols? symbols = RefHeapSymbols.For(compilation);
        bool externalApis = options is not null && compilation.SyntaxTrees.Any(tree => ExternalApi.From(options.GetOptions(tree)).TracksHandles);
        return symbols is not null || externalApis ? new OwnershipModel(symbols) : null;
    }

    /// <summary>True for RefObject and every type derived from it (and type parameters constrained to it).</summary>
    public bool IsCounted(ITypeSymbol? type) => Symbols?.IsRefObjectType(type) == true;

    public bool IsIncRef(IMethodSymbol method) => RefHeapSymbols.Is(method, Symbols?.IncRef);

    /// <summary>DecRef, or Dispose on a counted object (Dispose is exactly DecRef).</summary>
    public bool IsRelease(IMethodSymbol method, ITypeSymbol? receiverType) =>
        RefHeapSymbols.Is(method, Symbols?.DecRef) || RefHeapSymbols.Is(method, Symbols?.Dispose) || (method.Name == "Dispose" && method.Parameters.Length == 0 && IsCounted(receiverType));

    /// <summary>
    /// IsAlive or RefCount: reading them after the release is how code watches an object die, not a use of it (the
    /// object's memory is managed; only its count is gone).
    /// </summary>
    public bool IsLivenessProbe(IPropertySymbol property) =>
        SymbolEqualityComparer.Default.Equals(property.OriginalDefinition, Symbols?.IsAlive) || SymbolEqualityComparer.Default.Equals(property.OriginalDefinition, Symbols?.RefCount);

    /// <summary>
    /// An auto-property (its compiler-made backing field is visible: declared in source): a store into it is a store
    /// into a strong field.
    /// </summary>
    public bool IsAutoProperty(IPropertySymbol property) =>
        _autoProperties.GetOrAdd(property.OriginalDefinition, p => p.ContainingType.GetMembers().OfType<IFieldSymbol>().Any(f => SymbolEqualityComparer.Default.Equals(f.AssociatedSymbol, p)));

    /// <summary>
    /// The parameter takes its caller's reference: it is marked <c>[StealsReference]</c>, or (inferred for a method with
    /// source) the body stores it into a field of its own object without taking a reference of its own.
    /// </summary>
    public bool Steals(IParameterSymbol parameter) =>
        HasAttribute(parameter.GetAttributes(), StealsReferenceAttribute)
        || (parameter.RefKind == RefKind.None && IsCounted(parameter.Type) && _steals.GetOrAdd(parameter.OriginalDefinition, _computeSteals)); // the cache only for what may be inferred

    // Syntax only, like the return inference: a statement of the body itself (so every path that gets past it stores),
    // `F = p;` or `this.F = p;` with F a counted field or auto-property of the method's type, and no `p.IncRef()`.
    private bool ComputeSteals(IParameterSymbol parameter)
    {
        if (parameter.RefKind != RefKind.None || !IsCounted(parameter.Type) || parameter.ContainingSymbol is not IMethodSymbol method)
        {
            return false;
        }

        foreach (SyntaxReference reference in method.DeclaringSyntaxReferences)
        {
            SyntaxNode declaration = reference.GetSyntax();
            IEnumerable<ExpressionSyntax> statements = declaration switch
            {
                BaseMethodDeclarationSyntax { Body: { } body } => body.Statements.OfType<ExpressionStatementSyntax>().Select(s => s.Expression),
                BaseMethodDeclarationSyntax { ExpressionBody: { } arrow } => new[] { arrow.Expression },
                _ => Enumerable.Empty<ExpressionSyntax>(),
            };

            // The store first: it reads the body's statements only, where the IncRef test reads the whole body.
            if (statements.Any(e => e is AssignmentExpressionSyntax { Right: IdentifierNameSyntax value } store && value.Identifier.ValueText == parameter.Name
                && store.IsKind(Microsoft.CodeAnalysis.CSharp.SyntaxKind.SimpleAssignmentExpression) && IsOwnCountedField(method.ContainingType, store.Left))
                && !IncRefed(declaration, parameter.Name))
            {
                return true;
            }
        }

        return false;
    }

    private bool IsOwnCountedField(INamedTypeSymbol type, ExpressionSyntax target)
    {
        string? name = target switch
        {
            IdentifierNameSyntax field => field.Identifier.ValueText,
            MemberAccessExpressionSyntax { Expression: ThisExpressionSyntax, Name: var field } => field.Identifier.ValueText,
            _ => null,
        };
        return name is not null && type.GetMembers(name).Any(member => member switch
        {
            IFieldSymbol field => !field.IsStatic && IsCounted(field.Type),
            IPropertySymbol property => !property.IsStatic && IsCounted(property.Type) && IsAutoProperty(property),
            _ => false,
        });
    }

    /// <summary>
    /// The ownership of a method's result: its attributes first ([NewReference] / [BorrowedReference] on the method, its
    /// return value or, for a getter, its property); for unannotated methods with source, whether a body returns a
    /// newly created object; otherwise the naming rule (Create/New/Copy/Clone/Make/Pop… give a new reference, like
    /// Clang's Create/Copy rule). Properties and indexers are borrowed.
    /// </summary>
    public ReturnOwnership ReturnOf(IMethodSymbol method)
    {
        if (method.ReturnsVoid || !IsCounted(method.ReturnType))
        {
            return ReturnOwnership.None;
        }

        return _returns.GetOrAdd(method.OriginalDefinition, _computeReturn);
    }

    /// <summary>The contract the method declares, if any (only explicit attributes).</summary>
    public ReturnOwnership DeclaredReturnOf(IMethodSymbol method)
    {
        if (HasAttribute(method.GetReturnTypeAttributes(), NewReferenceAttribute) || HasAttribute(method.GetAttributes(), NewReferenceAttribute)
            || (method.AssociatedSymbol is IPropertySymbol p1 && HasAttribute(p1.GetAttributes(), NewReferenceAttribute)))
        {
            return ReturnOwnership.New;
        }

        if (HasAttribute(method.GetReturnTypeAttributes(), BorrowedReferenceAttribute) || HasAttribute(method.GetAttributes(), BorrowedReferenceAttribute)
            || (method.AssociatedSymbol is IPropertySymbol p2 && HasAttribute(p2.GetAttributes(), BorrowedReferenceAttribute)))
        {
            return ReturnOwnership.Borrowed;
        }

        return ReturnOwnership.None;
    }

    /// <summary>
    /// What an <c>out</c> parameter hands the caller: its attribute; for a method with source, a new reference when the
    /// body assigns it a newly created object; otherwise the naming rule on the method's name without its Try prefix
    /// (<c>TryCreate</c> gives a new reference, <c>TryGetValue</c> a borrowed one).
    /// </summary>
    public ReturnOwnership OutOf(IParameterSymbol parameter)
    {
        if (parameter.RefKind != RefKind.Out || !IsCounted(parameter.Type))
        {
            return ReturnOwnership.None;
        }

        return _outs.GetOrAdd(parameter.OriginalDefinition, _computeOut);
    }

    /// <summary>The contract an out parameter declares, if any (only explicit attributes).</summary>
    public ReturnOwnership DeclaredOutOf(IParameterSymbol parameter) =>
        HasAttribute(parameter.GetAttributes(), NewReferenceAttribute) ? ReturnOwnership.New
            : HasAttribute(parameter.GetAttributes(), BorrowedReferenceAttribute) ? ReturnOwnership.Borrowed
            : ReturnOwnership.None;

    private ReturnOwnership ComputeOut(IParameterSymbol parameter)
    {
        ReturnOwnership declared = DeclaredOutOf(parameter);
        if (declared != ReturnOwnership.None || parameter.ContainingSymbol is not IMethodSymbol method)
        {
            return declared == ReturnOwnership.None ? ReturnOwnership.Borrowed : declared;
        }

        if (!method.DeclaringSyntaxReferences.IsEmpty)
        {
            return method.DeclaringSyntaxReferences.Any(r => AssignsNewObject(r.GetSyntax(), parameter.Name)) ? ReturnOwnership.New : ReturnOwnership.Borrowed;
        }

        string name = method.Name.StartsWith("Try", StringComparison.Ordinal) ? method.Name.Substring(3) : method.Name;
        return FollowsNamingRule(name, parameter.Type) ? ReturnOwnership.New : ReturnOwnership.Borrowed;
    }

    /// <summary>
    /// The Create/Copy naming rule, for an API declared to hand out counted objects: a generic container's element
    /// (<c>Stack&lt;T&gt;.Pop</c>, <c>Queue&lt;T&gt;.TryDequeue</c>: an unconstrained <c>T</c> in the declaration) gives back
    /// whatever was put in, which the rule cannot know, so it is borrowed.
    /// </summary>
    private bool FollowsNamingRule(string name, ITypeSymbol declaredType) =>
        IsCounted(declaredType) && NewReferencePrefixes.Any(p => name.StartsWith(p, StringComparison.Ordinal));

    // Syntax only: `name = new ...` (also as a branch of ?: or ??).
    private static bool AssignsNewObject(SyntaxNode declaration, string name) =>
        declaration.DescendantNodes(n => n is not (LambdaExpressionSyntax or LocalFunctionStatementSyntax or AnonymousMethodExpressionSyntax))
            .OfType<AssignmentExpressionSyntax>()
            .Any(a => a.Left is IdentifierNameSyntax target && target.Identifier.ValueText == name && CreatesObject(a.Right));

    private static bool CreatesObject(ExpressionSyntax value) => value switch
    {
        BaseObjectCreationExpressionSyntax => true,
        ConditionalExpressionSyntax conditional => CreatesObject(conditional.WhenTrue) || CreatesObject(conditional.WhenFalse),
        BinaryExpressionSyntax coalesce when coalesce.IsKind(Microsoft.CodeAnalysis.CSharp.SyntaxKind.CoalesceExpression) => CreatesObject(coalesce.Right),
        ParenthesizedExpressionSyntax parenthesized => CreatesObject(parenthesized.Expression),
        _ => false,
    };

    private ReturnOwnership ComputeReturn(IMethodSymbol method)
    {
        ReturnOwnership declared = DeclaredReturnOf(method);
        if (declared != ReturnOwnership.None)
        {
            return declared;
        }

        if (method.MethodKind is MethodKind.PropertyGet)
        {
            return ReturnOwnership.Borrowed;
        }

        if (!method.DeclaringSyntaxReferences.IsEmpty)
        {
            return method.DeclaringSyntaxReferences.Any(r => ReturnsNewObject(r.GetSyntax())) ? ReturnOwnership.New : ReturnOwnership.Borrowed;
        }

        return FollowsNamingRule(method.Name, method.ReturnType) ? ReturnOwnership.New : ReturnOwnership.Borrowed;
    }

    // Syntax only (no semantic model of another tree): a returned `new ...`, a returned local initialised by one, or a
    // returned local the method IncRef'd.
    private static bool ReturnsNewObject(SyntaxNode declaration)
    {
        foreach (SyntaxNode node in declaration.DescendantNodes(n => n is not (LambdaExpressionSyntax or LocalFunctionStatementSyntax or AnonymousMethodExpressionSyntax)))
        {
            ExpressionSyntax? returned = node switch
            {
                ReturnStatementSyntax r => r.Expression,
                ArrowExpressionClauseSyntax a when a.Parent is MethodDeclarationSyntax => a.Expression,
                _ => null,
            };
            if (returned is BaseObjectCreationExpressionSyntax)
            {
                return true;
            }

            if (returned is IdentifierNameSyntax identifier && (InitializedWithNew(declaration, identifier.Identifier.ValueText) || IncRefed(declaration, identifier.Identifier.ValueText)))
            {
                return true;
            }
        }

        return false;
    }

    private static bool InitializedWithNew(SyntaxNode declaration, string name) =>
        declaration.DescendantNodes().OfType<VariableDeclaratorSyntax>().Any(v => v.Identifier.ValueText == name && v.Initializer?.Value is BaseObjectCreationExpressionSyntax);

    // `node.IncRef(); return node;`: the method takes a reference for its caller (a lookup that hands out what it found).
    private static bool IncRefed(SyntaxNode declaration, string name) =>
        declaration.DescendantNodes().OfType<InvocationExpressionSyntax>().Any(call =>
            call.Expression is MemberAccessExpressionSyntax { Name.Identifier.ValueText: "IncRef", Expression: IdentifierNameSyntax receiver } && receiver.Identifier.ValueText == name);

    private static bool HasAttribute(System.Collections.Immutable.ImmutableArray<AttributeData> attributes, INamedTypeSymbol? attribute) =>
        attribute is not null && attributes.Any(a => SymbolEqualityComparer.Default.Equals(a.AttributeClass, attribute));

}
