using System;
using System.Collections.Generic;
using System.IO;

namespace RefHeap;

/// <summary>
/// A heap of reference-counted objects with its own cycle collector: CPython's interpreter state in miniature.
/// </summary>
/// <remarks>
/// <para>Thread model: a heap belongs to the thread that created it. Every operation on the heap or on its objects
/// (allocation, IncRef/DecRef, containers, weak references, collection) checks the calling thread and throws
/// <see cref="HeapThreadException"/> from any other: never silent corruption. Each thread has its own default heap
/// (<see cref="Current"/>); <see cref="Activate"/> makes an explicit heap current for a scope, which isolates
/// tests and subsystems from each other.</para>
/// <para>Immortal objects (<see cref="RefObject.IsImmortal"/>) belong to no heap and may be shared by all threads.</para>
/// </remarks>
public sealed class Heap
{
    [ThreadStatic]
    private static Heap? t_current;

    // Objects whose count reached zero while another deallocation was running: CPython's "trashcan".
    // Deallocation drains this stack in a loop, so releasing a 1,000,000-long chain never recurses.
    private readonly Stack<RefObject> _pendingDeallocations = new();
    private readonly int _ownerThread;
    private bool _deallocating;
    private Type? _cachedType;
    private TypeLayout? _cachedLayout;
    private TextWriter? _debugOutput;
    private RefList<RefObject>? _garbage;

    // The registry slot objects of this heap name in their header; held while LiveObjectCount > 0.
    private int _slot;

    /// <summary>The registry slot of this heap (0 while it has no live objects).</summary>
    internal int Slot => _slot;

    /// <summary>Creates a heap owned by the calling thread.</summary>
    public Heap(FinalizationMode finalizationMode = FinalizationMode.Pep442)
    {
        FinalizationMode = finalizationMode;
        _ownerThread = Environment.CurrentManagedThreadId;
        Collector = new CycleCollector(this);
    }

    /// <summary>
    /// Raised when a finalizer, a weak-reference callback, a <see cref="Gc.Callbacks"/> callback or a clear throws:
    /// the exception cannot propagate (the code that released the object did nothing wrong), so it is reported here,
    /// like <c>sys.unraisablehook</c>. Without a handler it is written to <see cref="DebugOutput"/>.
    /// </summary>
    public event EventHandler<UnraisableExceptionEventArgs>? UnraisableException;

    /// <summary>The calling thread's current heap: the one activated by <see cref="Activate"/>, else the thread's default heap.</summary>
    public static Heap Current => t_current ??= new Heap();

    /// <summary>How finalizers of objects in cyclic trash are treated (PEP 442 by default).</summary>
    public FinalizationMode FinalizationMode { get; }

    /// <summary>The managed id of the thread that owns the heap.</summary>
    public int OwnerThreadId => _ownerThread;

    /// <summary>Number of objects allocated on this heap and not yet deallocated.</summary>
    public long LiveObjectCount { get; private set; }

    /// <summary>Where debug output (<see cref="GcDebugFlags"/>) and unhandled unraisable exceptions go; standard error by default.</summary>
    public TextWriter DebugOutput
    {
        get => _debugOutput ?? Console.Error;
        set => _debugOutput = value ?? throw new ArgumentNullException(nameof(value));
    }

    internal CycleCollector Collector { get; }

    internal WeakRefTable WeakRefs { get; } = new();

    /// <summary>Records allocation sites while tracing is on (<see cref="HeapInspector.StartTracing"/>); null while off.</summary>
    internal AllocationTracer? AllocationTracer { get; set; }

    /// <summary>
    /// <c>gc.garbage</c>: objects the collector found unreachable but could not free (legacy finalizers), or all
    /// unreachable objects under <see cref="GcDebugFlags.SaveAll"/>. The list holds a reference to each; clear it to
    /// let them go. It is not itself tracked, so it is a root: what it holds stays alive.
    /// </summary>
    internal RefList<RefObject> Garbage
    {
        get
        {
            if (_garbage is null)
            {
                _garbage = new RefList<RefObject>(this);
                // Untracked, and not counted as an allocation: the list is a root, invisible to the collector.
                Collector.Untrack(_garbage);
                _garbage._flags &= ~ObjectFlags.CountedAllocation;
                Collector.OnContainerDeallocated();
            }

            return _garbage;
        }
    }

    /// <summary>Makes this heap the calling thread's <see cref="Current"/> heap until the returned scope is disposed.</summary>
    /// <exception cref="HeapThreadException">The heap belongs to another thread.</exception>
    public HeapScope Activate()
    {
        CheckThread("Activate");
        Heap? previous = t_current;
        t_current = this;
        return new HeapScope(this, previous);
    }

    internal static void Restore(Heap expected, Heap? previous)
    {
        if (!ReferenceEquals(t_current, expected))
        {
            throw new InvalidOperationException("Heap scopes must be disposed in the reverse order of activation, on the thread that activated them.");
        }

        t_current = previous;
    }

    internal void CheckThread(string operation)
    {
        int current = Environment.CurrentManagedThreadId;
        if (current != _ownerThread)
        {
            throw new HeapThreadException(operation, _ownerThread, current);
        }
    }

    internal TypeLayout LayoutOf(RefObject obj)
    {
        Type type = obj.GetType();
        if (!ReferenceEquals(type, _cachedType))
        {
            _cachedLayout = TypeLayout.Of(type);
            _cachedType = type;
        }

        return _cachedLayout!;
    }

    /// <summary>Called by the <see cref="RefObject"/> constructor: the object starts with one owned reference.</summary>
    internal void Register(RefObject obj, bool checkThread)
    {
        if (checkThread)
        {
            CheckThread("Allocation");
        }

        TypeLayout layout = LayoutOf(obj);
        if (LiveObjectCount++ == 0)
        {
            _slot = HeapRegistry.Acquire(this);
        }

        obj._flags |= (ObjectFlags)(_slot << HeapRegistry.IndexShift);
        obj._ownerThread = _ownerThread;
        obj._refCount = 1;
        if (layout.HasFinalizer)
        {
            obj._flags |= ObjectFlags.HasFinalizer;
        }

        if (layout.HasWeakFields)
        {
            obj._flags |= ObjectFlags.HasWeakFields;
        }

        if (layout.IsContainer)
        {
            obj._flags |= ObjectFlags.Container | ObjectFlags.CountedAllocation;
            // Like CPython's gc_alloc: count the allocation (which may start a collection), then track.
            Collector.OnContainerAllocated();
            Collector.Track(obj);
        }

        AllocationTracer?.Record(obj);
    }

    /// <summary>The count of <paramref name="obj"/> is 1 and is being released: deallocate it, never recursively.</summary>
    internal void Deallocate(RefObject obj)
    {
        if ((obj._flags & ObjectFlags.Deallocating) != 0)
        {
            // Only a finalizer releasing a reference it does not own can get here.
            throw new ReleasedObjectException(obj, "DecRef");
        }

        obj._refCount = 0;
        obj._flags |= ObjectFlags.Deallocating;

        // Untrack at once, even when the deallocation itself is deferred: a collection started meanwhile (by a
        // finalizer that allocates) must never see an object whose count is already zero.
        if ((obj._flags & ObjectFlags.Tracked) != 0)
        {
            Collector.Untrack(obj);
        }

        if (_deallocating)
        {
            _pendingDeallocations.Push(obj);
            return;
        }

        _deallocating = true;
        try
        {
            DeallocateOne(obj);
            while (_pendingDeallocations.TryPop(out RefObject? next))
            {
                DeallocateOne(next);
            }
        }
        finally
        {
            _deallocating = false;
        }
    }

    // CPython's subtype_dealloc order (the object was untracked when its count reached zero): tp_finalize (may resurrect); clear weak references and run their
    // callbacks; legacy tp_del (may resurrect); clear the strong fields; free.
    private void DeallocateOne(RefObject obj)
    {
        bool hasFinalizer = (obj._flags & ObjectFlags.HasFinalizer) != 0;
        if (hasFinalizer && FinalizationMode == FinalizationMode.Pep442 && (obj._flags & ObjectFlags.Finalized) == 0)
        {
            obj._flags |= ObjectFlags.Finalized;
            if (RunFinalizerFromDealloc(obj))
            {
                return;
            }
        }

        if ((obj._flags & ObjectFlags.HasWeakRefs) != 0)
        {
            ClearWeakRefsAndCallBack(obj);
        }

        if (hasFinalizer && FinalizationMode == FinalizationMode.Legacy && RunFinalizerFromDealloc(obj))
        {
            return;
        }

        try
        {
            LayoutOf(obj).Clear(obj);
        }
        catch (Exception ex)
        {
            ReportUnraisable(ex, "Exception ignored in tp_clear of", obj);
        }

        if ((obj._flags & ObjectFlags.CountedAllocation) != 0)
        {
            Collector.OnContainerDeallocated();
        }

        obj._flags = (obj._flags | ObjectFlags.Dead) & ~(ObjectFlags.Deallocating | ObjectFlags.CountedAllocation);
        if (--LiveObjectCount == 0)
        {
            HeapRegistry.Release(_slot);
            _slot = 0;
        }
    }

    /// <summary>Runs the finalizer of a dying object with a temporary reference; true if it resurrected the object.</summary>
    private bool RunFinalizerFromDealloc(RefObject obj)
    {
        obj._refCount = 1;
        if ((obj._flags & ObjectFlags.Container) != 0)
        {
            Collector.Track(obj);
        }

        RunFinalizer(obj);
        if (obj._refCount > 1)
        {
            obj._refCount--;
            obj._flags &= ~ObjectFlags.Deallocating;
            return true;
        }

        obj._refCount = 0;
        if ((obj._flags & ObjectFlags.Tracked) != 0)
        {
            Collector.Untrack(obj);
        }

        return false;
    }

    internal void RunFinalizer(RefObject obj)
    {
        try
        {
            obj.InvokeFinalizer();
        }
        catch (Exception ex)
        {
            ReportUnraisable(ex, "Exception ignored in:", obj);
        }
    }

    // PyObject_ClearWeakRefs: clear all first, then call the callbacks, newest first.
    private void ClearWeakRefsAndCallBack(RefObject obj)
    {
        foreach (WeakRefBase weakRef in WeakRefs.Detach(obj))
        {
            InvokeWeakRefCallback(weakRef);
        }
    }

    internal void InvokeWeakRefCallback(WeakRefBase weakRef)
    {
        try
        {
            weakRef.InvokeCallback();
        }
        catch (Exception ex)
        {
            ReportUnraisable(ex, "Exception ignored in weak reference callback", null);
        }
    }

    internal void ReportUnraisable(Exception exception, string context, RefObject? obj)
    {
        var args = new UnraisableExceptionEventArgs(exception, context, obj);
        EventHandler<UnraisableExceptionEventArgs>? handler = UnraisableException;
        if (handler is not null)
        {
            try
            {
                handler(this, args);
                return;
            }
            catch (Exception handlerFailure)
            {
                exception = new AggregateException(exception, handlerFailure);
            }
        }

        string subject = obj is null ? string.Empty : " " + RefObject.Describe(obj);
        DebugOutput.WriteLine($"{context}{subject}");
        DebugOutput.WriteLine(exception.ToString());
    }
}

/// <summary>Keeps a heap current on its thread until disposed (see <see cref="Heap.Activate"/>).</summary>
public readonly struct HeapScope : IDisposable
{
    private readonly Heap _heap;
    private readonly Heap? _previous;

    internal HeapScope(Heap heap, Heap? previous)
    {
        _heap = heap;
        _previous = previous;
    }

    /// <summary>Restores the heap that was current before <see cref="Heap.Activate"/>.</summary>
    public void Dispose() => Heap.Restore(_heap, _previous);
}
