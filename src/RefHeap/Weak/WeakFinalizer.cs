using System;
using System.Collections.Generic;

namespace RefHeap;

/// <summary>
/// <c>weakref.finalize</c>: a callback that runs at most once, when <c>Invoke</c> is called or when the target dies,
/// whichever comes first. The finalizer keeps itself alive (the target's heap holds it) until it has run or been
/// detached, so callers need not keep a reference. Finalizers of one target run newest first.
/// </summary>
public sealed class WeakFinalizer
{
    // Keeps registered finalizers alive: the weak-reference table holds weak references only weakly.
    [ThreadStatic]
    private static HashSet<WeakFinalizer>? t_registry;

    private readonly WeakRef<RefObject> _watch;
    private Action? _callback;

    /// <summary>Registers <paramref name="callback"/> to run when <paramref name="target"/> dies.</summary>
    public WeakFinalizer(RefObject target, Action callback)
    {
        ArgumentNullException.ThrowIfNull(callback);
        _watch = new WeakRef<RefObject>(target, _ => Invoke());
        _callback = callback;
        (t_registry ??= new HashSet<WeakFinalizer>(ReferenceEqualityComparer.Instance)).Add(this);
    }

    /// <summary>True until the callback has run or the finalizer was detached.</summary>
    public bool Alive => _callback is not null;

    /// <summary>Runs the callback now if it has not run yet; true if it ran.</summary>
    public bool Invoke()
    {
        Action? callback = Detach();
        callback?.Invoke();
        return callback is not null;
    }

    /// <summary>Unregisters the finalizer without running it; returns the callback if it had not run yet.</summary>
    public Action? Detach()
    {
        Action? callback = _callback;
        _callback = null;
        t_registry?.Remove(this);
        if (_watch.TargetObject is { } target)
        {
            // Stop watching: a detached finalizer must not keep an entry in the target's weak-reference list.
            target.OwningHeap.WeakRefs.Remove(target, _watch);
        }

        return callback;
    }
}
