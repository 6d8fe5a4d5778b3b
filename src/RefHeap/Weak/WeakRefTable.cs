using System;
using System.Collections.Generic;

namespace RefHeap;

/// <summary>
/// A heap's weak references, by target (CPython keeps them in a list inside each object; RefHeap keeps them aside
/// so objects without weak references pay nothing). The table holds the <see cref="WeakRefBase"/> objects only
/// weakly, as CPython's list holds its weakref objects: a weak reference nobody keeps any more is unlinked and will
/// never call back.
/// </summary>
/// <remarks>Invariant: an object has <see cref="ObjectFlags.HasWeakRefs"/> iff the table has an entry for it.</remarks>
internal sealed class WeakRefTable
{
    private readonly Dictionary<RefObject, List<WeakReference<WeakRefBase>>> _entries = new(ReferenceEqualityComparer.Instance);

    public void Add(RefObject target, WeakRefBase weakRef)
    {
        if (!_entries.TryGetValue(target, out List<WeakReference<WeakRefBase>>? list))
        {
            list = new List<WeakReference<WeakRefBase>>(1);
            _entries.Add(target, list);
            target._flags |= ObjectFlags.HasWeakRefs;
        }

        list.Add(new WeakReference<WeakRefBase>(weakRef));
    }

    /// <summary>The live weak references to <paramref name="target"/>, oldest first.</summary>
    public List<WeakRefBase> LiveRefsTo(RefObject target)
    {
        var live = new List<WeakRefBase>();
        if (_entries.TryGetValue(target, out List<WeakReference<WeakRefBase>>? list))
        {
            foreach (WeakReference<WeakRefBase> entry in list)
            {
                if (entry.TryGetTarget(out WeakRefBase? weakRef))
                {
                    live.Add(weakRef);
                }
            }
        }

        return live;
    }

    /// <summary>Clears one weak reference to <paramref name="target"/>, without calling back.</summary>
    public void Remove(RefObject target, WeakRefBase weakRef)
    {
        if (_entries.TryGetValue(target, out List<WeakReference<WeakRefBase>>? list))
        {
            list.RemoveAll(entry => !entry.TryGetTarget(out WeakRefBase? live) || ReferenceEquals(live, weakRef));
            if (list.Count == 0)
            {
                _entries.Remove(target);
                target._flags &= ~ObjectFlags.HasWeakRefs;
            }
        }

        weakRef.ClearTarget();
    }

    /// <summary>Clears every weak reference to <paramref name="target"/> and returns them, newest first (the callback order).</summary>
    public List<WeakRefBase> Detach(RefObject target)
    {
        List<WeakRefBase> live = LiveRefsTo(target);
        _entries.Remove(target);
        target._flags &= ~ObjectFlags.HasWeakRefs;
        live.Reverse();
        foreach (WeakRefBase weakRef in live)
        {
            weakRef.ClearTarget();
        }

        return live;
    }
}
