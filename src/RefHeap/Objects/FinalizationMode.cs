namespace RefHeap;

/// <summary>How a heap treats finalizers (<see cref="RefObject.OnFinalize"/>) of objects in cyclic trash.</summary>
public enum FinalizationMode
{
    /// <summary>
    /// PEP 442 (CPython 3.4 and later): a finalizer runs at most once; the collector finalizes cyclic trash, then
    /// checks again for resurrection: resurrected objects and what they reach survive, the rest is freed.
    /// </summary>
    Pep442,

    /// <summary>
    /// Before CPython 3.4 (<c>tp_del</c>): a cycle holding an object with a finalizer is uncollectable. Such objects,
    /// and everything they reach, go to <see cref="Gc.Garbage"/> and stay alive; their weak references are not cleared.
    /// On a plain count-to-zero death the finalizer runs every time the object dies.
    /// </summary>
    Legacy,
}
