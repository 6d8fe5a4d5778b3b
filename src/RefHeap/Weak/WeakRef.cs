using System;
using System.Collections.Generic;
using System.Diagnostics.CodeAnalysis;

namespace RefHeap;

/// <summary>
/// The non-generic part of <see cref="WeakRef{T}"/>: what the heap needs to clear a weak reference and call back.
/// </summary>
public abstract class WeakRefBase
{
    private protected RefObject? _target;

    private protected WeakRefBase(RefObject target)
    {
        ArgumentNullException.ThrowIfNull(target);
        _target = target;
        if (!target.IsImmortal)
        {
            target.CheckUsable("weak reference creation").WeakRefs.Add(target, this);
        }
    }

    /// <summary>True while the target is alive; false once its count reached zero (even before it is freed) or it was collected. Takes the target's heap, like <see cref="WeakRef{T}.Target"/>.</summary>
    public bool IsAlive => LiveTarget is not null;

    /// <summary><c>weakref.getweakrefcount</c>: how many weak references point at <paramref name="target"/>.</summary>
    public static int GetWeakRefCount(RefObject target)
    {
        ArgumentNullException.ThrowIfNull(target);
        return TableOf(target, "WeakRefBase.GetWeakRefCount")?.LiveRefsTo(target).Count ?? 0;
    }

    /// <summary><c>weakref.getweakrefs</c>: the weak references that point at <paramref name="target"/>, oldest first.</summary>
    public static IReadOnlyList<WeakRefBase> GetWeakRefs(RefObject target)
    {
        ArgumentNullException.ThrowIfNull(target);
        return (IReadOnlyList<WeakRefBase>?)TableOf(target, "WeakRefBase.GetWeakRefs")?.LiveRefsTo(target) ?? Array.Empty<WeakRefBase>();
    }

    // The weak-reference table of a live mortal target's heap, taken for the calling thread; null otherwise.
    private static WeakRefTable? TableOf(RefObject target, string operation) =>
        target.IsAlive && !target.IsImmortal ? target.CheckUsable(operation).WeakRefs : null;

    internal abstract bool HasCallback { get; }

    internal RefObject? TargetObject => _target;

    /// <summary>
    /// The target, or null once its count has reached zero: an object waiting in the deallocation queue (its weak
    /// references not cleared yet) is already dead, as in CPython 3.13's weakref, and must not be handed out again.
    /// A live mortal target's heap is taken for the calling thread first, so that the answer cannot change under it.
    /// </summary>
    private protected RefObject? LiveTarget
    {
        get
        {
            if (_target is not { } target || target.IsImmortal)
            {
                return _target;
            }

            if (target._refCount <= 0 || HeapRegistry.Find(target._flags) is not { } heap)
            {
                return null;
            }

            heap.CheckThread("WeakRef.Target");
            return target._refCount > 0 && ReferenceEquals(_target, target) ? target : null;
        }
    }

    internal void ClearTarget() => _target = null;

    internal abstract void InvokeCallback();
}

/// <summary>
/// A weak reference (<c>weakref.ref</c>): it never keeps its target alive, and a field of this type is never
/// traversed by the collector. When the target dies the reference is cleared, then its callback (if any) is
/// called with the dead reference.
/// </summary>
/// <remarks>
/// Ownership rule: reading the target gives a <b>borrowed</b> reference (+0), like <c>PyWeakref_GetObject</c>.
/// The caller does not own it and must <see cref="RefObject.IncRef"/> it to keep it past the next release.
/// </remarks>
/// <typeparam name="T">The target type.</typeparam>
public sealed class WeakRef<T> : WeakRefBase
    where T : RefObject
{
    private readonly Action<WeakRef<T>>? _callback;

    /// <summary>Creates a weak reference to <paramref name="target"/>, with an optional callback run when it dies.</summary>
    /// <exception cref="ReleasedObjectException">The target was already released.</exception>
    /// <exception cref="HeapThreadException">Another thread held the target's heap for longer than its <see cref="Heap.AcquireTimeout"/>.</exception>
    public WeakRef(T target, Action<WeakRef<T>>? callback = null)
        : base(target)
    {
        _callback = callback;
    }

    /// <summary>The target while it is alive, else null. A borrowed reference: the caller does not own it.</summary>
    public T? Target
    {
        [BorrowedReference]
        get => (T?)LiveTarget;
    }

    /// <summary>Gets the target if it is alive (a borrowed reference).</summary>
    public bool TryGetTarget([NotNullWhen(true)] out T? target)
    {
        target = (T?)LiveTarget;
        return target is not null;
    }

    internal override bool HasCallback => _callback is not null;

    internal override void InvokeCallback() => _callback?.Invoke(this);

    /// <inheritdoc/>
    public override string ToString() =>
        LiveTarget is null ? $"<weakref; dead>" : $"<weakref; to '{typeof(T).Name}'>";
}
