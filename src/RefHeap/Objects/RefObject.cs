using System;
using System.Runtime.CompilerServices;

namespace RefHeap;

/// <summary>
/// A reference-counted object. A new object starts with <see cref="RefCount"/> 1, owned by the code that called
/// <c>new</c>. When the count reaches zero the object is deallocated at once, in CPython's order: its finalizer
/// (<see cref="OnFinalize"/>, which may resurrect it), then its weak references are cleared and their callbacks
/// run, then its strong fields are released, then it is marked dead.
/// </summary>
/// <remarks>
/// <para>Strong references are the instance fields whose declared type is a <see cref="RefObject"/> type.
/// A plain store into such a field changes no count: storing an owned reference moves ownership into the field.
/// Use <see cref="RefField"/> to store a reference you keep, or to overwrite or clear a field.</para>
/// <para>Reference cycles keep counts above zero; the heap's generational cycle collector (<see cref="Gc"/>)
/// finds and frees them.</para>
/// <para>Threading: an object belongs to the heap that created it, and is used by the thread that holds that heap
/// (see <see cref="Heap"/>): any thread takes the heap implicitly when no other holds it, and waits or throws
/// <see cref="HeapThreadException"/> when another does. <see cref="RefCount"/>, <see cref="IsAlive"/>,
/// <see cref="IsImmortal"/> and <see cref="Heap"/> are single reads, safe from any thread (a snapshot).</para>
/// </remarks>
public abstract class RefObject : IDisposable
{
    /// <summary>The count shown by immortal objects (PEP 683's value for 64-bit builds: UINT_MAX &gt;&gt; 2).</summary>
    public const long ImmortalRefCount = ImmortalCount;

    internal const int ImmortalCount = 0x3FFF_FFFF;

    // The header. Invariants:
    //  - _refCount is in [1, ImmortalCount - 1] while the object is alive and mortal, ImmortalCount for immortals,
    //    0 once the count reached zero (deallocating or dead).
    //  - _gcRefs is only meaningful while Collecting is set.
    //  - _gcNext/_gcPrev link the object into exactly one circular generation list iff Tracked is set.
    //  - _flags holds the ObjectFlags bits and, above HeapRegistry.IndexShift, the index of the object's heap
    //    (0 for immortals and list heads).
    // Three ints and two references (28 bytes, padded to 32: CPython's PyGC_Head plus ob_refcnt and ob_type).
    internal int _refCount;
    internal int _gcRefs;
    internal ObjectFlags _flags;
    internal RefObject? _gcNext;
    internal RefObject? _gcPrev;

    // The address from the heap's allocator model (Gc.Id), in 16-byte granules (see AddressSpace); kept after death,
    // like a dangling pointer's value. 0 for list heads, and for immortals until Gc.Id asks. Outside the 32 bytes above.
    internal uint _address;

    /// <summary>Creates an object owned by the calling code, on the calling thread's current heap (<see cref="Heap.Current"/>).</summary>
    protected RefObject()
    {
        Heap.Current.Register(this);
    }

    /// <summary>Creates an object owned by the calling code, on <paramref name="heap"/>.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="heap"/> is null.</exception>
    /// <exception cref="HeapThreadException">Another thread held the heap for longer than its <see cref="Heap.AcquireTimeout"/>.</exception>
    protected RefObject(Heap heap)
    {
        ArgumentNullException.ThrowIfNull(heap);
        heap.Register(this);
    }

    /// <summary>Creates a header that no heap manages: a list head or an immortal object.</summary>
    private protected RefObject(bool immortal)
    {
        if (immortal)
        {
            _refCount = ImmortalCount;
            _flags = ObjectFlags.Immortal;
        }
    }

    /// <summary>The reference count (<c>sys.getrefcount</c> without the call's own reference).</summary>
    public long RefCount => _refCount;

    /// <summary>True until the count reaches zero; immortal objects are always alive.</summary>
    public bool IsAlive => _refCount > 0;

    /// <summary>True for immortal objects (PEP 683): their count never changes and they are never freed.</summary>
    public bool IsImmortal => (_flags & ObjectFlags.Immortal) != 0;

    /// <summary>The heap that owns the object; null for immortal objects, which belong to no heap, and for released objects.</summary>
    public Heap? Heap => IsAlive && !IsImmortal ? OwningHeap : null;

    /// <summary>The owning heap of a mortal object that is alive or being deallocated.</summary>
    internal Heap OwningHeap => HeapRegistry.Get(_flags);

    /// <summary>Adds one owned reference (<c>Py_INCREF</c>).</summary>
    /// <exception cref="ReleasedObjectException">The object was already released.</exception>
    /// <exception cref="HeapThreadException">Another thread held the heap for longer than its <see cref="Heap.AcquireTimeout"/>.</exception>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void IncRef()
    {
        int count = _refCount;
        // One unsigned compare sends dead (0), immortal and about-to-overflow counts to the slow path; the second
        // sends objects of a heap this thread did not use last (or does not hold) there too.
        if ((uint)(count - 1) >= ImmortalCount - 2 || ((int)_flags >> HeapRegistry.IndexShift) != HeldHeaps.FastSlot)
        {
            IncRefSlow();
            return;
        }

        _refCount = count + 1;
    }

    /// <summary>Releases one owned reference (<c>Py_DECREF</c>); at zero the object is deallocated.</summary>
    /// <exception cref="ReleasedObjectException">The object was already released (the count would go below zero).</exception>
    /// <exception cref="HeapThreadException">Another thread held the heap for longer than its <see cref="Heap.AcquireTimeout"/>.</exception>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void DecRef()
    {
        int count = _refCount;
        // Counts 2 .. ImmortalCount-1 take the fast path; 1 (death), 0 (already dead), immortals and objects of a
        // heap this thread did not use last do not.
        if ((uint)(count - 2) >= ImmortalCount - 2 || ((int)_flags >> HeapRegistry.IndexShift) != HeldHeaps.FastSlot)
        {
            DecRefSlow();
            return;
        }

        _refCount = count - 1;
    }

    /// <summary>Exactly <see cref="DecRef"/>: releases the one reference the caller owns.</summary>
    public void Dispose() => DecRef();

    /// <summary>
    /// The finalizer (<c>__del__</c> / <c>tp_finalize</c>). Under <see cref="FinalizationMode.Pep442"/> it runs at
    /// most once, when the count reaches zero or when the collector finds the object in cyclic trash; it may
    /// resurrect the object by storing a new reference to it. Exceptions are reported through
    /// <see cref="Heap.UnraisableException"/> and do not stop the deallocation.
    /// </summary>
    protected virtual void OnFinalize()
    {
    }

    /// <summary>
    /// Visits every strong reference the object holds (<c>tp_traverse</c>). The default visits the instance fields
    /// whose declared type is a <see cref="RefObject"/> type, through code compiled once per type.
    /// Containers that keep references elsewhere override it (and <see cref="ClearReferences"/>).
    /// </summary>
    protected internal virtual void Traverse(ReferenceVisitor visitor) => visitor.VisitFields(this);

    /// <summary>
    /// Drops every strong reference the object holds and releases each (<c>tp_clear</c>). Used when the object
    /// dies and when the collector breaks a cycle. The default clears the strong instance fields.
    /// </summary>
    protected internal virtual void ClearReferences() => OwningHeap.LayoutOf(this).ClearFields(this);

    /// <summary>
    /// Overwrites the reference count: the "dirty hack" of setting <c>ob_refcnt</c> through ctypes, kept so the
    /// hazard can be demonstrated. Setting 0 deallocates the object now, whoever still points at it.
    /// RefSafety reports every call (REFS006).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="value"/> is negative or not below <see cref="ImmortalRefCount"/>.</exception>
    /// <exception cref="InvalidOperationException">The object is immortal.</exception>
    /// <exception cref="ReleasedObjectException">The object was already released.</exception>
    public void DangerousSetRefCount(long value)
    {
        if (value < 0 || value >= ImmortalCount)
        {
            throw new ArgumentOutOfRangeException(nameof(value), value, $"A reference count must be in [0, {ImmortalCount - 1}].");
        }

        if (IsImmortal)
        {
            throw new InvalidOperationException($"{Describe(this)} is immortal: its reference count never changes.");
        }

        Heap heap = CheckUsable("DangerousSetRefCount");
        if (value == 0)
        {
            _refCount = 1;
            heap.Deallocate(this);
        }
        else
        {
            _refCount = (int)value;
        }
    }

    /// <summary>
    /// Throws <see cref="ReleasedObjectException"/> if the object was released, and takes its heap for the calling
    /// thread (see <see cref="Heap"/>); for members of derived types, so that they are safe from any thread.
    /// </summary>
    /// <exception cref="HeapThreadException">Another thread held the heap for longer than its <see cref="Heap.AcquireTimeout"/>.</exception>
    protected void ThrowIfReleased() => CheckUsable("use");

    /// <summary>
    /// <see cref="DecRef"/> without the thread check, for the runtime's own loops. Precondition: the calling thread
    /// holds this object's heap (it checked on entry, or it compared this object's heap with one it holds).
    /// </summary>
    internal void ReleaseOnOwnerThread()
    {
        int count = _refCount;
        if ((uint)(count - 2) < ImmortalCount - 2)
        {
            _refCount = count - 1;
        }
        else if (count == 1)
        {
            OwningHeap.Deallocate(this);
        }
        else if (count <= 0)
        {
            throw new ReleasedObjectException(this, "DecRef");
        }
    }

    /// <summary><see cref="IncRef"/> without the thread check, on a live mortal object; same precondition as <see cref="ReleaseOnOwnerThread"/>.</summary>
    internal void AddRefOnOwnerThread() => _refCount++;

    /// <summary>Runs the finalizer for the heap; the caller reports exceptions.</summary>
    internal void InvokeFinalizer() => OnFinalize();

    /// <summary>A short description for messages and debug output, in CPython's <c>&lt;Type 0x…&gt;</c> style.</summary>
    internal static string Describe(RefObject obj) =>
        $"<{obj.GetType().Name} 0x{RuntimeHelpers.GetHashCode(obj):x8}>";

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void IncRefSlow()
    {
        if (IsImmortal)
        {
            return;
        }

        CheckUsable("IncRef");
        if (_refCount >= ImmortalCount - 1)
        {
            throw new OverflowException($"The reference count of {Describe(this)} would overflow.");
        }

        _refCount++;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void DecRefSlow()
    {
        if (IsImmortal)
        {
            return;
        }

        Heap heap = CheckUsable("DecRef");
        if (_refCount == 1)
        {
            heap.Deallocate(this);
        }
        else
        {
            _refCount--;
        }
    }

    /// <summary>
    /// Throws unless the object is alive and mortal; takes its heap for the calling thread (waiting for another
    /// holder to give it up) and returns it.
    /// </summary>
    internal Heap CheckUsable(string operation)
    {
        // Without the heap the object may die meanwhile and its slot go to another heap: then the registry answers
        // null or a wrong heap, and the check after taking it finds the count at zero.
        if (_refCount <= 0 || HeapRegistry.Find(_flags) is not { } heap)
        {
            throw new ReleasedObjectException(this, operation);
        }

        heap.CheckThread(operation);
        if (_refCount <= 0)
        {
            throw new ReleasedObjectException(this, operation);
        }

        return heap;
    }

    /// <summary>
    /// Throws unless <paramref name="value"/> may be stored in this object: it is alive and belongs to this object's
    /// heap, or is immortal. Precondition: the calling thread holds this object's heap.
    /// </summary>
    internal void CheckStore(RefObject value, string operation, string? destination = null)
    {
        Heap heap = OwningHeap;
        if (!heap.Accepts(value))
        {
            heap.ThrowStoreRejected(value, operation, destination ?? Describe(this));
        }
    }
}
