using System.Collections.Immutable;
using Microsoft.CodeAnalysis;

namespace RefSafety.Analyzers.Cycles;

/// <summary>
/// The RefHeap symbols the cycle and finalizer rules need, resolved once per compilation. <see cref="TryCreate"/>
/// returns null when the compilation does not reference RefHeap, so the rules bail out at compilation start.
/// </summary>
internal sealed class CycleSymbols
{
    private CycleSymbols(INamedTypeSymbol refObject, INamedTypeSymbol? refList, INamedTypeSymbol? refDictionary, INamedTypeSymbol? refField, IMethodSymbol? onFinalize)
    {
        RefObject = refObject;
        RefList = refList;
        RefDictionary = refDictionary;
        RefField = refField;
        OnFinalize = onFinalize;
    }

    public INamedTypeSymbol RefObject { get; }

    public INamedTypeSymbol? RefList { get; }

    public INamedTypeSymbol? RefDictionary { get; }

    public INamedTypeSymbol? RefField { get; }

    /// <summary>RefObject's own <c>OnFinalize</c>; overrides of it are finalizers.</summary>
    public IMethodSymbol? OnFinalize { get; }

    public static CycleSymbols? TryCreate(Compilation compilation)
    {
        INamedTypeSymbol? refObject = compilation.GetTypeByMetadataName("RefHeap.RefObject");
        if (refObject is null)
        {
            return null;
        }

        IMethodSymbol? onFinalize = null;
        foreach (ISymbol member in refObject.GetMembers("OnFinalize"))
        {
            if (member is IMethodSymbol { Parameters.Length: 0 } method)
            {
                onFinalize = method;
            }
        }

        return new CycleSymbols(
            refObject,
            compilation.GetTypeByMetadataName("RefHeap.RefList`1"),
            compilation.GetTypeByMetadataName("RefHeap.RefDictionary`2"),
            compilation.GetTypeByMetadataName("RefHeap.RefField"),
            onFinalize);
    }

    /// <summary>True for RefObject and every type deriving from it (containers included).</summary>
    public bool IsRefObjectType(ITypeSymbol? type)
    {
        for (ITypeSymbol? t = type; t is not null; t = t.BaseType)
        {
            if (SymbolEqualityComparer.Default.Equals(t.OriginalDefinition, RefObject))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>A RefList&lt;T&gt; or RefDictionary&lt;K, V&gt;: a container whose items are strong references.</summary>
    public bool IsContainer(ITypeSymbol? type) =>
        type is INamedTypeSymbol named &&
        (SymbolEqualityComparer.Default.Equals(named.OriginalDefinition, RefList) ||
         SymbolEqualityComparer.Default.Equals(named.OriginalDefinition, RefDictionary));

    /// <summary>The item type a container holds strongly (RefList's T, RefDictionary's TValue).</summary>
    public ITypeSymbol? ContainerItemType(ITypeSymbol? type)
    {
        if (type is not INamedTypeSymbol named || !IsContainer(named))
        {
            return null;
        }

        ImmutableArray<ITypeSymbol> arguments = named.TypeArguments;
        return arguments[arguments.Length - 1];
    }

    /// <summary>An instance field the runtime traverses: its declared type is a RefObject type (WeakRef&lt;T&gt; is not one, so weak fields are never strong).</summary>
    public bool IsStrongField(IFieldSymbol field) => !field.IsStatic && !field.IsConst && IsRefObjectType(field.Type);

    /// <summary>The finalizer (<c>OnFinalize</c> override) a type declares itself, if any.</summary>
    public IMethodSymbol? DeclaredFinalizer(INamedTypeSymbol type)
    {
        foreach (ISymbol member in type.GetMembers("OnFinalize"))
        {
            if (member is IMethodSymbol method && IsFinalizer(method))
            {
                return method;
            }
        }

        return null;
    }

    /// <summary>True when the type, or a base type below RefObject, overrides <c>OnFinalize</c>.</summary>
    public bool HasFinalizer(INamedTypeSymbol type)
    {
        for (INamedTypeSymbol? t = type; t is not null && !SymbolEqualityComparer.Default.Equals(t, RefObject); t = t.BaseType)
        {
            if (DeclaredFinalizer(t) is not null)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The method overrides (directly or through a chain of overrides) RefObject.OnFinalize.</summary>
    public bool IsFinalizer(IMethodSymbol method)
    {
        for (IMethodSymbol? m = method.IsOverride ? method.OverriddenMethod : null; m is not null; m = m.OverriddenMethod)
        {
            if (SymbolEqualityComparer.Default.Equals(m.OriginalDefinition, OnFinalize))
            {
                return true;
            }
        }

        return false;
    }
}
