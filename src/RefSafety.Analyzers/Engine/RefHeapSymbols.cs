using System.Collections.Immutable;
using System.Linq;
using System.Runtime.CompilerServices;
using Microsoft.CodeAnalysis;

namespace RefSafety.Analyzers.Engine;

/// <summary>
/// The one symbol model of RefHeap that every rule uses, resolved once per compilation (<see cref="For"/>): the
/// counted base type, its count methods, the containers, the ownership attributes, the finalizer hook. Null when the
/// compilation does not reference RefHeap, so the rules bail out at compilation start.
/// </summary>
internal sealed class RefHeapSymbols
{
    private static readonly ConditionalWeakTable<Compilation, StrongBox<RefHeapSymbols?>> Cache = new();

    private RefHeapSymbols(Compilation compilation, INamedTypeSymbol refObject)
    {
        RefObject = refObject;
        RefList = compilation.GetTypeByMetadataName("RefHeap.RefList`1");
        RefDictionary = compilation.GetTypeByMetadataName("RefHeap.RefDictionary`2");
        RefField = compilation.GetTypeByMetadataName("RefHeap.RefField");
        WeakRefBase = compilation.GetTypeByMetadataName("RefHeap.WeakRefBase");
        NewReferenceAttribute = compilation.GetTypeByMetadataName("RefHeap.NewReferenceAttribute");
        BorrowedReferenceAttribute = compilation.GetTypeByMetadataName("RefHeap.BorrowedReferenceAttribute");
        StealsReferenceAttribute = compilation.GetTypeByMetadataName("RefHeap.StealsReferenceAttribute");
        IncRef = Member("IncRef", 0);
        DecRef = Member("DecRef", 0);
        Dispose = Member("Dispose", 0);
        DangerousSetRefCount = Member("DangerousSetRefCount", -1);
        OnFinalize = Member("OnFinalize", 0);
        IsAlive = refObject.GetMembers("IsAlive").OfType<IPropertySymbol>().FirstOrDefault();
        RefCount = refObject.GetMembers("RefCount").OfType<IPropertySymbol>().FirstOrDefault();
        HeapRelease = compilation.GetTypeByMetadataName("RefHeap.Heap")?.GetMembers("Release").OfType<IMethodSymbol>().FirstOrDefault();
        Task = compilation.GetTypeByMetadataName("System.Threading.Tasks.Task");
        TaskFactory = compilation.GetTypeByMetadataName("System.Threading.Tasks.TaskFactory");
        GenericTaskFactory = compilation.GetTypeByMetadataName("System.Threading.Tasks.TaskFactory`1");
        Parallel = compilation.GetTypeByMetadataName("System.Threading.Tasks.Parallel");
        ThreadPool = compilation.GetTypeByMetadataName("System.Threading.ThreadPool");
        Thread = compilation.GetTypeByMetadataName("System.Threading.Thread");
    }

    public INamedTypeSymbol RefObject { get; }

    public INamedTypeSymbol? RefList { get; }

    public INamedTypeSymbol? RefDictionary { get; }

    public INamedTypeSymbol? RefField { get; }

    public INamedTypeSymbol? WeakRefBase { get; }

    public INamedTypeSymbol? NewReferenceAttribute { get; }

    public INamedTypeSymbol? BorrowedReferenceAttribute { get; }

    public INamedTypeSymbol? StealsReferenceAttribute { get; }

    public IMethodSymbol? IncRef { get; }

    public IMethodSymbol? DecRef { get; }

    public IMethodSymbol? Dispose { get; }

    public IMethodSymbol? DangerousSetRefCount { get; }

    /// <summary>RefObject.IsAlive: whether the count is still above zero.</summary>
    public IPropertySymbol? IsAlive { get; }

    /// <summary>RefObject.RefCount: the current count.</summary>
    public IPropertySymbol? RefCount { get; }

    /// <summary>Heap.Release: the explicit hand-off of a heap to another thread.</summary>
    public IMethodSymbol? HeapRelease { get; }

    /// <summary>System.Threading.Tasks.Task (Task.Run, WhenAll, WhenAny).</summary>
    public INamedTypeSymbol? Task { get; }

    /// <summary>System.Threading.Tasks.TaskFactory and TaskFactory&lt;T&gt; (StartNew).</summary>
    public INamedTypeSymbol? TaskFactory { get; }

    /// <inheritdoc cref="TaskFactory"/>
    public INamedTypeSymbol? GenericTaskFactory { get; }

    /// <summary>System.Threading.Tasks.Parallel (For, ForEach, Invoke).</summary>
    public INamedTypeSymbol? Parallel { get; }

    /// <summary>System.Threading.ThreadPool (QueueUserWorkItem, UnsafeQueueUserWorkItem).</summary>
    public INamedTypeSymbol? ThreadPool { get; }

    /// <summary>System.Threading.Thread (its constructors take the thread's work).</summary>
    public INamedTypeSymbol? Thread { get; }

    /// <summary>RefObject's own <c>OnFinalize</c>; overrides of it are finalizers.</summary>
    public IMethodSymbol? OnFinalize { get; }

    /// <summary>The model of <paramref name="compilation"/>, made once; null when it does not reference RefHeap.</summary>
    public static RefHeapSymbols? For(Compilation compilation) =>
        Cache.GetValue(compilation, c => new StrongBox<RefHeapSymbols?>(
            c.GetTypeByMetadataName("RefHeap.RefObject") is { } refObject ? new RefHeapSymbols(c, refObject) : null)).Value;

    /// <summary>True if <paramref name="method"/> is <paramref name="rootMethod"/> or overrides/implements it.</summary>
    public static bool Is(IMethodSymbol method, IMethodSymbol? rootMethod)
    {
        if (rootMethod is null)
        {
            return false;
        }

        for (IMethodSymbol? m = method.OriginalDefinition; m is not null; m = m.OverriddenMethod)
        {
            if (SymbolEqualityComparer.Default.Equals(m, rootMethod))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>True for RefObject, every type deriving from it (containers included), and type parameters constrained to one.</summary>
    public bool IsRefObjectType(ITypeSymbol? type)
    {
        if (type is ITypeParameterSymbol parameter)
        {
            return parameter.ConstraintTypes.Any(IsRefObjectType);
        }

        if (type is null || type.TypeKind != TypeKind.Class || type.SpecialType != SpecialType.None)
        {
            return false; // asked of every operation's type: numbers, strings, structs and delegates answer at once
        }

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

    /// <summary>
    /// The name of the API when <paramref name="method"/> starts work that runs in parallel with the calling flow
    /// (Task.Run, TaskFactory.StartNew, Parallel.For/ForEach/Invoke, ThreadPool.QueueUserWorkItem and
    /// UnsafeQueueUserWorkItem, a Thread constructor); null otherwise.
    /// </summary>
    public string? ParallelWorkApi(IMethodSymbol method)
    {
        INamedTypeSymbol type = method.ContainingType.OriginalDefinition;
        return method.Name switch
        {
            "Run" when Is(type, Task) => "Task.Run",
            "StartNew" when Is(type, TaskFactory) || Is(type, GenericTaskFactory) => "Task.Factory.StartNew",
            "For" or "ForEach" or "Invoke" when Is(type, Parallel) => "Parallel." + method.Name,
            "QueueUserWorkItem" or "UnsafeQueueUserWorkItem" when Is(type, ThreadPool) => "ThreadPool." + method.Name,
            ".ctor" when Is(type, Thread) => "new Thread",
            _ => null,
        };

        static bool Is(INamedTypeSymbol type, INamedTypeSymbol? expected) => SymbolEqualityComparer.Default.Equals(type, expected);
    }

    private IMethodSymbol? Member(string name, int parameters) =>
        RefObject.GetMembers(name).OfType<IMethodSymbol>().FirstOrDefault(m => parameters < 0 || m.Parameters.Length == parameters);
}
