using System;

namespace RefHeap;

/// <summary>Per-object state bits kept in the object header.</summary>
[Flags]
internal enum ObjectFlags
{
    None = 0,

    /// <summary>The object is linked into one of its heap's generation lists (or the permanent generation).</summary>
    Tracked = 1 << 0,

    /// <summary>The collector is working on the object: its <c>_gcRefs</c> is meaningful (CPython's PREV_MASK_COLLECTING).</summary>
    Collecting = 1 << 1,

    /// <summary>Tentatively unreachable during <c>MoveUnreachable</c> (CPython's NEXT_MASK_UNREACHABLE).</summary>
    Unreachable = 1 << 2,

    /// <summary>The PEP 442 finalizer has run; it never runs again.</summary>
    Finalized = 1 << 3,

    /// <summary>PEP 683: the count never changes and the object is never freed or tracked.</summary>
    Immortal = 1 << 4,

    /// <summary>The object was deallocated. Every further use throws <see cref="ReleasedObjectException"/>.</summary>
    Dead = 1 << 5,

    /// <summary>The heap's weak-reference table has an entry for the object.</summary>
    HasWeakRefs = 1 << 6,

    /// <summary>The count reached zero and the deallocation is queued or running.</summary>
    Deallocating = 1 << 7,

    /// <summary>The type overrides <see cref="RefObject.OnFinalize"/> (copied from its <see cref="TypeLayout"/>).</summary>
    HasFinalizer = 1 << 8,

    /// <summary>The type can hold strong references, so the object is tracked by the collector.</summary>
    Container = 1 << 9,

    /// <summary>The type has <see cref="WeakRef{T}"/> fields (copied from its <see cref="TypeLayout"/>).</summary>
    HasWeakFields = 1 << 10,

    /// <summary>
    /// The object counts as an allocation in generation 0's count (a container made on its heap). The count is given
    /// back when the object is really freed, like CPython's <c>PyObject_GC_Del</c>; not when its count reaches zero,
    /// since a finalizer may resurrect it.
    /// </summary>
    CountedAllocation = 1 << 11,
}
