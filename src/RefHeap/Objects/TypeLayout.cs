using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using System.Reflection;
using System.Reflection.Emit;
using System.Runtime.CompilerServices;

namespace RefHeap;

/// <summary>
/// What the runtime knows about one <see cref="RefObject"/> type, computed once per type: its strong and weak
/// fields, whether it has a finalizer, whether the collector must track it, and compiled code that visits and
/// clears its strong fields (so traversal never reflects per visit).
/// </summary>
internal sealed class TypeLayout
{
    private static readonly ConcurrentDictionary<Type, TypeLayout> Layouts = new();

    private static readonly MethodInfo VisitMethod = typeof(ReferenceVisitor).GetMethod(nameof(ReferenceVisitor.Visit))!;
    private static readonly MethodInfo ReleaseMethod = typeof(TypeLayout).GetMethod(nameof(ReleaseFieldValue), BindingFlags.Static | BindingFlags.NonPublic)!;

    private readonly Action<RefObject, ReferenceVisitor> _traverseFields;
    private readonly Action<RefObject> _clearFields;
    private readonly FieldInfo[] _weakFields;

    private TypeLayout(Type type)
    {
        List<FieldInfo> fields = InstanceFields(type).ToList();
        StrongFields = fields.Where(f => typeof(RefObject).IsAssignableFrom(f.FieldType)).ToArray();
        _weakFields = fields.Where(f => typeof(WeakRefBase).IsAssignableFrom(f.FieldType)).ToArray();
        HasFinalizer = Overrides(type, "OnFinalize");
        HasCustomTraverse = Overrides(type, nameof(RefObject.Traverse));
        HasCustomClear = Overrides(type, nameof(RefObject.ClearReferences));
        IsContainer = StrongFields.Count > 0 || HasCustomTraverse;
        ObjectSize = SizeClasses.ObjectSize(fields.Count);
        if (StrongFields.Count == 0)
        {
            _traverseFields = static (_, _) => { };
            _clearFields = static _ => { };
        }
        else
        {
            _traverseFields = EmitTraverse(type, StrongFields);
            _clearFields = EmitClear(type, StrongFields);
        }

        StrongFieldOffsets = HasCustomTraverse || type.IsAbstract ? null : MeasureOffsets(type, StrongFields);
    }

    /// <summary>
    /// The byte offset of each strong field from the object's first header field (<c>_refCount</c>), for the
    /// collector's loops, which read the fields in place (<see cref="FieldAt"/>) instead of calling a visitor per
    /// reference; null when the type traverses itself (those go through <see cref="Traverse"/>).
    /// </summary>
    public nint[]? StrongFieldOffsets { get; }

    /// <summary>The reference held at <paramref name="offset"/> (one of <see cref="StrongFieldOffsets"/> of obj's type).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static RefObject? FieldAt(RefObject obj, nint offset) =>
        Unsafe.As<int, RefObject?>(ref Unsafe.AddByteOffset(ref obj._refCount, offset));

    /// <summary>The instance fields whose declared type is a RefObject type, base class fields included.</summary>
    public IReadOnlyList<FieldInfo> StrongFields { get; }

    /// <summary>The type overrides <see cref="RefObject"/>'s finalizer.</summary>
    public bool HasFinalizer { get; }

    /// <summary>The type overrides <see cref="RefObject.Traverse"/> (a container keeping references outside fields).</summary>
    public bool HasCustomTraverse { get; }

    /// <summary>The type overrides <see cref="RefObject.ClearReferences"/>.</summary>
    public bool HasCustomClear { get; }

    /// <summary><c>tp_traverse</c> for the runtime's own loops: the compiled field visitor, unless the type traverses itself.</summary>
    public void Traverse(RefObject obj, ReferenceVisitor visitor)
    {
        if (HasCustomTraverse)
        {
            obj.Traverse(visitor);
        }
        else
        {
            _traverseFields(obj, visitor);
        }
    }

    /// <summary><c>tp_clear</c> for the runtime's own loops: the compiled field clearer, unless the type clears itself.</summary>
    public void Clear(RefObject obj)
    {
        if (HasCustomClear)
        {
            obj.ClearReferences();
        }
        else
        {
            _clearFields(obj);
        }
    }

    /// <summary>The size the allocator model gives an instance: CPython's GC header plus one slot per instance field.</summary>
    public int ObjectSize { get; }

    /// <summary>Instances can hold strong references, so the collector tracks them (like CPython's GC types).</summary>
    public bool IsContainer { get; }

    public static TypeLayout Of(Type type) => Layouts.GetOrAdd(type, static t => new TypeLayout(t));

    public void TraverseFields(RefObject obj, ReferenceVisitor visitor) => _traverseFields(obj, visitor);

    public void ClearFields(RefObject obj) => _clearFields(obj);

    /// <summary>The instance fields whose declared type is a weak reference type, base class fields included.</summary>
    public IReadOnlyList<FieldInfo> WeakFields => _weakFields;

    /// <summary>True if the type has <see cref="WeakRef{T}"/> fields.</summary>
    public bool HasWeakFields => _weakFields.Length > 0;

    /// <summary>Clears the weak references held in the object's <see cref="WeakRef{T}"/> fields, without callbacks.</summary>
    public void DetachWeakFields(RefObject obj)
    {
        foreach (FieldInfo field in _weakFields)
        {
            if (field.GetValue(obj) is WeakRefBase { TargetObject: { } target } weak)
            {
                // The target may live on another heap, whose table only its holder may change.
                Heap targetHeap = target.OwningHeap;
                targetHeap.CheckThread("clearing a weak reference");
                targetHeap.WeakRefs.Remove(target, weak);
            }
        }
    }

    // Called from the compiled clear code: releases a value taken out of a field of owner, on the thread that holds
    // owner's heap. A value of the same heap is released without another thread check. A field that held an already
    // released object is a refcount bug in user code: it is reported, and the other fields are still released.
    private static void ReleaseFieldValue(RefObject? value, RefObject owner)
    {
        if (value is null)
        {
            return;
        }

        try
        {
            if (((value._flags ^ owner._flags) & HeapRegistry.IndexMask) == 0)
            {
                value.ReleaseOnOwnerThread();
            }
            else
            {
                value.DecRef();
            }
        }
        catch (ReleasedObjectException ex)
        {
            owner.OwningHeap.ReportUnraisable(ex, "Exception ignored while clearing a field holding", value);
        }
    }

    private static IEnumerable<FieldInfo> InstanceFields(Type type)
    {
        for (Type? t = type; t is not null && t != typeof(RefObject); t = t.BaseType)
        {
            foreach (FieldInfo field in t.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly))
            {
                yield return field;
            }
        }
    }

    private static bool Overrides(Type type, string methodName)
    {
        MethodInfo? method = type.GetMethod(methodName, BindingFlags.Instance | BindingFlags.NonPublic | BindingFlags.Public);
        return method is not null && method.DeclaringType != typeof(RefObject);
    }

    // Field offsets are fixed per type; they are measured once on an uninitialized instance (no constructor runs, so
    // nothing is registered on a heap) by code that subtracts the address of _refCount from each field's.
    private static nint[] MeasureOffsets(Type type, IReadOnlyList<FieldInfo> fields)
    {
        FieldInfo first = typeof(RefObject).GetField(nameof(RefObject._refCount), BindingFlags.Instance | BindingFlags.NonPublic)!;
        var method = new DynamicMethod($"Offsets_{type.Name}", typeof(void), new[] { typeof(RefObject), typeof(nint[]) }, typeof(TypeLayout).Module, skipVisibility: true);
        ILGenerator il = method.GetILGenerator();
        for (int i = 0; i < fields.Count; i++)
        {
            il.Emit(OpCodes.Ldarg_1);
            il.Emit(OpCodes.Ldc_I4, i);
            il.Emit(OpCodes.Ldarg_0);
            il.Emit(OpCodes.Castclass, type);
            il.Emit(OpCodes.Ldflda, fields[i]);
            il.Emit(OpCodes.Ldarg_0);
            il.Emit(OpCodes.Ldflda, first);
            il.Emit(OpCodes.Sub);
            il.Emit(OpCodes.Stelem_I);
        }

        il.Emit(OpCodes.Ret);
        var offsets = new nint[fields.Count];
        var sample = (RefObject)RuntimeHelpers.GetUninitializedObject(type);
        // A type with a C# destructor (REFS022) must not have it run on an object its constructor never saw.
        GC.SuppressFinalize(sample);
        method.CreateDelegate<Action<RefObject, nint[]>>()(sample, offsets);
        return offsets;
    }

    private static Action<RefObject, ReferenceVisitor> EmitTraverse(Type type, IReadOnlyList<FieldInfo> fields)
    {
        var method = new DynamicMethod($"Traverse_{type.Name}", typeof(void), new[] { typeof(RefObject), typeof(ReferenceVisitor) }, typeof(TypeLayout).Module, skipVisibility: true);
        ILGenerator il = method.GetILGenerator();
        LocalBuilder self = il.DeclareLocal(type);
        il.Emit(OpCodes.Ldarg_0);
        il.Emit(OpCodes.Castclass, type);
        il.Emit(OpCodes.Stloc, self);
        foreach (FieldInfo field in fields)
        {
            il.Emit(OpCodes.Ldarg_1);
            il.Emit(OpCodes.Ldloc, self);
            il.Emit(OpCodes.Ldfld, field);
            il.Emit(OpCodes.Callvirt, VisitMethod);
        }

        il.Emit(OpCodes.Ret);
        return method.CreateDelegate<Action<RefObject, ReferenceVisitor>>();
    }

    private static Action<RefObject> EmitClear(Type type, IReadOnlyList<FieldInfo> fields)
    {
        var method = new DynamicMethod($"Clear_{type.Name}", typeof(void), new[] { typeof(RefObject) }, typeof(TypeLayout).Module, skipVisibility: true);
        ILGenerator il = method.GetILGenerator();
        LocalBuilder self = il.DeclareLocal(type);
        il.Emit(OpCodes.Ldarg_0);
        il.Emit(OpCodes.Castclass, type);
        il.Emit(OpCodes.Stloc, self);

        // Null every field first, then release: a finalizer triggered by a release never sees a half-cleared object
        // pointing at something already freed.
        var olds = new LocalBuilder[fields.Count];
        for (int i = 0; i < fields.Count; i++)
        {
            olds[i] = il.DeclareLocal(typeof(RefObject));
            il.Emit(OpCodes.Ldloc, self);
            il.Emit(OpCodes.Ldfld, fields[i]);
            il.Emit(OpCodes.Stloc, olds[i]);
            il.Emit(OpCodes.Ldloc, self);
            il.Emit(OpCodes.Ldnull);
            il.Emit(OpCodes.Stfld, fields[i]);
        }

        foreach (LocalBuilder local in olds)
        {
            il.Emit(OpCodes.Ldloc, local);
            il.Emit(OpCodes.Ldarg_0);
            il.Emit(OpCodes.Call, ReleaseMethod);
        }

        il.Emit(OpCodes.Ret);
        return method.CreateDelegate<Action<RefObject>>();
    }
}
