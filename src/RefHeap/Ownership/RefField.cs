namespace RefHeap;

/// <summary>
/// Helpers for strong fields, the C# spelling of CPython's <c>Py_XSETREF</c> / <c>Py_CLEAR</c> family.
/// A plain field store changes no count; these helpers keep the counts right in one call and release the old
/// value only after the new one is in place (so a finalizer that runs during the release sees a consistent object).
/// </summary>
/// <remarks>
/// A field may only hold objects of its object's heap. A <c>ref</c> does not tell which object the field belongs
/// to, so the helpers compare the new value with the value being replaced: replacing an object of one heap with an
/// object of another throws <see cref="HeapMismatchException"/> before any count changes. (A store into an empty
/// field cannot be checked here.)
/// </remarks>
public static class RefField
{
    /// <summary>Stores a reference the caller keeps: IncRef <paramref name="value"/>, assign, then DecRef the old value.</summary>
    /// <exception cref="HeapMismatchException">The field holds an object of another heap than <paramref name="value"/>'s.</exception>
    public static void Set<T>(ref T? field, T? value) where T : RefObject
    {
        CheckSameHeap(field, value, "RefField.Set");
        value?.IncRef();
        T? old = field;
        field = value;
        old?.DecRef();
    }

    /// <summary>Moves an owned reference into the field (no IncRef), then DecRefs the old value (<c>Py_XSETREF</c>).</summary>
    /// <exception cref="HeapMismatchException">The field holds an object of another heap than <paramref name="value"/>'s.</exception>
    public static void Move<T>(ref T? field, [StealsReference] T? value) where T : RefObject
    {
        CheckSameHeap(field, value, "RefField.Move");
        T? old = field;
        field = value;
        old?.DecRef();
    }

    /// <summary>Sets the field to null, then DecRefs what it held (<c>Py_CLEAR</c>).</summary>
    public static void Clear<T>(ref T? field) where T : RefObject
    {
        T? old = field;
        field = null;
        old?.DecRef();
    }

    private static void CheckSameHeap(RefObject? old, RefObject? value, string operation)
    {
        // An old value already released is a refcount bug that the release after the store reports.
        if (old is not null && value is not null && old.IsAlive && !old.IsImmortal)
        {
            Heap heap = old.CheckUsable(operation);
            if (!heap.Accepts(value))
            {
                // The description is formatted only here: a store must not allocate.
                heap.ThrowStoreRejected(value, operation, $"the field's current value {RefObject.Describe(old)}");
            }
        }
    }
}
