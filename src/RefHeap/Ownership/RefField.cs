namespace RefHeap;

/// <summary>
/// Helpers for strong fields, the C# spelling of CPython's <c>Py_XSETREF</c> / <c>Py_CLEAR</c> family.
/// A plain field store changes no count; these helpers keep the counts right in one call and release the old
/// value only after the new one is in place (so a finalizer that runs during the release sees a consistent object).
/// </summary>
public static class RefField
{
    /// <summary>Stores a reference the caller keeps: IncRef <paramref name="value"/>, assign, then DecRef the old value.</summary>
    public static void Set<T>(ref T? field, T? value) where T : RefObject
    {
        value?.IncRef();
        T? old = field;
        field = value;
        old?.DecRef();
    }

    /// <summary>Moves an owned reference into the field (no IncRef), then DecRefs the old value (<c>Py_XSETREF</c>).</summary>
    public static void Move<T>(ref T? field, [StealsReference] T? value) where T : RefObject
    {
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
}
