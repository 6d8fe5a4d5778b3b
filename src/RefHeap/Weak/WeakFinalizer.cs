using System;

namespace RefHeap;

/// <summary>
/// <c>weakref.finalize</c>: a callback that runs at most once, when <c>Invoke</c> is called or when the target dies,
/// whichever comes first. The finalizer keeps itself alive (the target's heap holds it) until it has run or been
/// detached, so callers need not keep a reference. Finalizers of one target run newest first. Its members take the
/// target's heap for the calling thread.
/// </summary>
public sealed class WeakFinalizer
{
    // Keeps this finalizer alive while registered (the weak-reference table holds weak references only weakly).
    private readonly Heap _heap;
    private readonly WeakRef<RefObject> _watch;
    private Action? _callback;

    /// <summary>Registers <paramref name="callback"/> to run when <paramref name="target"/> dies.</summary>
    public WeakFinalizer(RefObject target, Action callback)
    {
        ArgumentNullException.ThrowIfNull(callback);
        _watch = new WeakRef<RefObject>(target, _ => Invoke());
        _callback = callback;
        _heap = target.Heap ?? Heap.Current;
        _heap.CheckThread("WeakFinalizer");
        _heap.WeakFinalizers.Add(this);
    }

    /// <summary>True until the callback has run or the finalizer was detached.</summary>
    public bool Alive
    {
        get
        {
            _heap.CheckThread("WeakFinalizer.Alive");
            return _callback is not null;
        }
    }

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
        _heap.CheckThread("WeakFinalizer.Detach");
        Action? callback = _callback;
        _callback = null;
        _heap.WeakFinalizers.Remove(this);
        if (_watch.TargetObject is { } target)
        {
            // Stop watching: a detached finalizer must not keep an entry in the target's weak-reference list.
            target.OwningHeap.WeakRefs.Remove(target, _watch);
        }

        return callback;
    }
}
