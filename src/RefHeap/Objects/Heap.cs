using System;
using System.Collections.Generic;
using System.Diagnostics.CodeAnalysis;
using System.IO;
using System.Threading;

namespace RefHeap;

/// <summary>
/// A heap of reference-counted objects with its own cycle collector: CPython's interpreter state in miniature.
/// </summary>
/// <remarks>
/// <para>Thread model (docs/runtime.md, "Threads and async"): a heap is a lock, like an interpreter's GIL. At most
/// one thread holds it at a time, and only that thread may touch the heap or its objects. A thread takes the heap
/// implicitly at its first use (waiting up to <see cref="AcquireTimeout"/> if another thread holds it) and keeps it
/// until the async flow it runs leaves the thread: an <c>await</c> that yields, or the end of a thread-pool work
/// item. So an object created before an <c>await</c> is usable after it, on whatever thread the continuation runs.
/// A thread that hands the heap to another thread while it keeps running (a dedicated thread, a blocking wait) calls
/// <see cref="Release"/>. A use that cannot get the heap throws <see cref="HeapThreadException"/> naming both
/// threads: never silent corruption.</para>
/// <para><see cref="Current"/> is the heap of the current async flow: the one made current by <see cref="Activate"/>,
/// else the process's <see cref="Default"/> heap. Separate heaps (PEP 684's per-interpreter GIL) let flows run in
/// parallel; an object may only be stored in containers and fields of its own heap.</para>
/// <para>Immortal objects (<see cref="RefObject.IsImmortal"/>) belong to no heap and may be shared by all threads.</para>
/// </remarks>
public sealed class Heap
{
    private static readonly AsyncLocal<Heap?> FlowCurrent = new();
    private static int s_lastId;

    // Objects whose count reached zero while another deallocation was running: CPython's "trashcan".
    // Deallocation drains this stack in a loop, so releasing a 1,000,000-long chain never recurses.
    private readonly Stack<RefObject> _pendingDeallocations = new();
    private readonly object _gate = new();
    private bool _deallocating;
    private Type? _cachedType;
    private TypeLayout? _cachedLayout;
    private TextWriter? _debugOutput;
    private RefList<RefObject>? _garbage;
    private HashSet<WeakFinalizer>? _weakFinalizers;
    private TimeSpan _acquireTimeout = TimeSpan.FromSeconds(5);

    // Block bytes freed since ReclaimFreedMemoryIfDue last ran a full .NET collection.
    private long _freedBytesSinceReclaim;

    // The thread that holds the heap (null: free). Written under _gate; read without it only to compare with the
    // calling thread, which is exact: only the holder itself stores a value that equals it or stops doing so.
    private Thread? _holder;

    // The registry slot objects of this heap name in their header; held while LiveObjectCount > 0.
    private int _slot;

    /// <summary>The registry slot of this heap (0 while it has no live objects).</summary>
    internal int Slot => _slot;

    /// <summary>Creates a heap; no thread holds it until one uses it.</summary>
    public Heap(FinalizationMode finalizationMode = FinalizationMode.Pep442)
    {
        FinalizationMode = finalizationMode;
        Id = Interlocked.Increment(ref s_lastId);
        Collector = new CycleCollector(this);
    }

    /// <summary>
    /// Raised when a finalizer, a weak-reference callback, a <see cref="Gc.Callbacks"/> callback or a clear throws:
    /// the exception cannot propagate (the code that released the object did nothing wrong), so it is reported here,
    /// like <c>sys.unraisablehook</c>. Without a handler it is written to <see cref="DebugOutput"/>.
    /// </summary>
    public event EventHandler<UnraisableExceptionEventArgs>? UnraisableException;

    /// <summary>The process's default heap: <see cref="Current"/> in every flow that has not activated another.</summary>
    public static Heap Default { get; } = new();

    /// <summary>The current async flow's heap: the one activated by <see cref="Activate"/>, else <see cref="Default"/>.</summary>
    public static Heap Current => FlowCurrent.Value ?? Default;

    /// <summary>A number that names the heap in messages (1 for the first heap created in the process, and so on).</summary>
    public int Id { get; }

    /// <summary>How finalizers of objects in cyclic trash are treated (PEP 442 by default).</summary>
    public FinalizationMode FinalizationMode { get; }

    /// <summary>The managed id of the thread that holds the heap now, or 0 if none does.</summary>
    public int HolderThreadId => Volatile.Read(ref _holder)?.ManagedThreadId ?? 0;

    /// <summary>True if the calling thread holds the heap.</summary>
    public bool IsHeldByCurrentThread => ReferenceEquals(Volatile.Read(ref _holder), Thread.CurrentThread);

    /// <summary>
    /// How long a thread waits for another thread to let the heap go before its operation throws
    /// <see cref="HeapThreadException"/> (5 seconds by default). <see cref="TimeSpan.Zero"/> throws at once.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is negative.</exception>
    public TimeSpan AcquireTimeout
    {
        get => _acquireTimeout;
        set => _acquireTimeout = value >= TimeSpan.Zero ? value : throw new ArgumentOutOfRangeException(nameof(value), value, "The timeout must not be negative.");
    }

    /// <summary>
    /// The fewest freed bytes (the allocator model's block bytes) for which <see cref="ReclaimFreedMemoryIfDue"/> runs
    /// a full .NET collection: the runtimeconfig knob <c>RefHeap.ReclaimThresholdBytes</c>, 32 MiB by default; 0 or
    /// less turns the policy off.
    /// </summary>
    internal static readonly long ReclaimThreshold = ReadReclaimThreshold();

    /// <summary>Number of objects allocated on this heap and not yet deallocated.</summary>
    public long LiveObjectCount { get; private set; }

    /// <summary>Where debug output (<see cref="GcDebugFlags"/>) and unhandled unraisable exceptions go; standard error by default.</summary>
    public TextWriter DebugOutput
    {
        get => _debugOutput ?? Console.Error;
        set => _debugOutput = value ?? throw new ArgumentNullException(nameof(value));
    }

    internal CycleCollector Collector { get; }

    /// <summary>The heap's model of CPython's small-object allocator: the objects' addresses and the memory figures.</summary>
    public ObjectAllocator Allocator { get; } = new();

    internal WeakRefTable WeakRefs { get; } = new();

    /// <summary>The <see cref="WeakFinalizer"/>s registered on this heap's objects and not yet run: the heap keeps them alive.</summary>
    internal HashSet<WeakFinalizer> WeakFinalizers => _weakFinalizers ??= new HashSet<WeakFinalizer>(ReferenceEqualityComparer.Instance);

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

    // True while this heap runs user code (a finalizer, a callback) inside a deallocation or a collection: it must
    // not change hands then, whatever that code does.
    private bool Busy => _deallocating || Collector.Collecting;

    /// <summary>
    /// Makes this heap the current async flow's <see cref="Current"/> heap until the returned scope is disposed, and
    /// takes it for the calling thread (like <c>PyGILState_Ensure</c>). Disposing the scope gives the heap up again
    /// if this call took it (<c>PyGILState_Release</c>).
    /// </summary>
    /// <exception cref="HeapThreadException">Another thread held the heap for longer than <see cref="AcquireTimeout"/>.</exception>
    public HeapScope Activate()
    {
        bool taken = !IsHeldByCurrentThread;
        EnsureHeld("Activate");
        Heap? previous = FlowCurrent.Value;
        FlowCurrent.Value = this;
        return new HeapScope(this, previous, taken);
    }

    /// <summary>
    /// Gives the heap up, so that another thread can take it (CPython's <c>Py_BEGIN_ALLOW_THREADS</c>): call it before
    /// handing the heap's objects to a thread while this one keeps running, or before blocking on work that uses the
    /// heap. The calling thread takes the heap back implicitly at its next use. Returns false if it did not hold it.
    /// </summary>
    /// <exception cref="InvalidOperationException">A finalizer, callback or collection of this heap is running on the calling thread.</exception>
    public bool Release()
    {
        if (!IsHeldByCurrentThread)
        {
            return false;
        }

        if (Busy)
        {
            throw new InvalidOperationException($"Heap {Id} cannot be released while one of its deallocations or collections is running on this thread (from a finalizer or a callback).");
        }

        ReleaseHeld();
        return true;
    }

    /// <summary>Gives the heap up if the calling thread holds it and is not inside one of its deallocations or collections.</summary>
    internal void ReleaseIfIdle()
    {
        if (IsHeldByCurrentThread && !Busy)
        {
            ReleaseHeld();
        }
    }

    internal static void Restore(Heap expected, Heap? previous)
    {
        if (!ReferenceEquals(FlowCurrent.Value, expected))
        {
            throw new InvalidOperationException("Heap scopes must be disposed in the reverse order of activation, in the async flow that activated them.");
        }

        FlowCurrent.Value = previous;
    }

    /// <summary>Takes the heap for the calling thread if it does not hold it yet; throws if another thread keeps it.</summary>
    /// <exception cref="HeapThreadException">Another thread held the heap for longer than <see cref="AcquireTimeout"/>.</exception>
    internal void CheckThread(string operation)
    {
        if (_slot == 0 || _slot != HeldHeaps.FastSlot)
        {
            EnsureHeld(operation);
        }
    }

    private void EnsureHeld(string operation)
    {
        Thread current = Thread.CurrentThread;
        if (!ReferenceEquals(Volatile.Read(ref _holder), current))
        {
            Acquire(current, operation);
        }

        HeldHeaps.FastSlot = _slot;
    }

    private void Acquire(Thread current, string operation)
    {
        lock (_gate)
        {
            long deadline = Environment.TickCount64 + (long)_acquireTimeout.TotalMilliseconds;
            while (_holder is { } holder)
            {
                if (!holder.IsAlive)
                {
                    // The holder ended without giving the heap up; nothing of it runs any more.
                    break;
                }

                long remaining = deadline - Environment.TickCount64;
                if (remaining <= 0)
                {
                    throw new HeapThreadException(operation, this, holder.ManagedThreadId, current.ManagedThreadId, _acquireTimeout);
                }

                // Wake up now and then to notice a holder that ended without giving the heap up.
                Monitor.Wait(_gate, (int)Math.Min(remaining, 100));
            }

            Volatile.Write(ref _holder, current);
        }

        HeldHeaps.Add(this);
    }

    private void ReleaseHeld()
    {
        HeldHeaps.Remove(this);
        lock (_gate)
        {
            Volatile.Write(ref _holder, null);
            Monitor.PulseAll(_gate);
        }
    }

    /// <summary>
    /// Throws unless <paramref name="value"/> may be stored in <paramref name="destination"/>, which belongs to this
    /// heap: it is alive and belongs to this heap, or is immortal. Precondition: the calling thread holds this heap.
    /// </summary>
    internal void CheckStore(RefObject value, string operation, string destination)
    {
        if (!Accepts(value))
        {
            ThrowStoreRejected(value, operation, destination);
        }
    }

    /// <summary>True if <paramref name="value"/> may be stored in a field or container of this heap.</summary>
    internal bool Accepts(RefObject value) =>
        value._refCount > 0 && (((int)value._flags >> HeapRegistry.IndexShift) == _slot || value.IsImmortal);

    /// <summary>The exception for a value <see cref="Accepts"/> rejected; the description is built only here (stores are hot).</summary>
    [DoesNotReturn]
    internal void ThrowStoreRejected(RefObject value, string operation, string destination)
    {
        if (value._refCount <= 0)
        {
            throw new ReleasedObjectException(value, operation);
        }

        throw new HeapMismatchException(operation, value, HeapRegistry.Find(value._flags)?.Id ?? 0, destination, Id);
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
    internal void Register(RefObject obj)
    {
        CheckThread("Allocation");
        TypeLayout layout = LayoutOf(obj);
        if (LiveObjectCount++ == 0)
        {
            _slot = HeapRegistry.Acquire(this);
            HeldHeaps.FastSlot = _slot;
        }

        obj._flags |= (ObjectFlags)(_slot << HeapRegistry.IndexShift);
        obj._refCount = 1;
        obj._address = Allocator.Allocate(layout.ObjectSize);
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

        if (!Collector.Collecting)
        {
            ReclaimFreedMemoryIfDue();
        }
    }

    /// <summary>
    /// Gives the memory of freed objects back to the .NET heap when there is much of it: a blocking full .NET
    /// collection once the bytes freed since the last check (the allocator model's block bytes) reach both
    /// <see cref="ReclaimThreshold"/> and the bytes still in use, and the .NET heap still holds them. RefHeap objects
    /// are .NET objects: a free only unlinks them, and objects that lived long enough to form big structures sit in
    /// .NET's generation 2, which .NET collects rarely, so rounds of garbage would pile up (docs/performance.md,
    /// "Memory"). Waiting until the freed bytes exceed the live ones bounds the collection's cost (it marks what is
    /// live) by the work that freed them.
    /// </summary>
    internal void ReclaimFreedMemoryIfDue()
    {
        long inUse = Allocator.BytesInUse + Allocator.LargeObjectBytes;
        if (_freedBytesSinceReclaim < ReclaimThreshold || _freedBytesSinceReclaim < inUse)
        {
            return;
        }

        // Objects that died young were (or will be) reclaimed by .NET's cheap generation-0 collections: only when the
        // .NET heap still holds about the freed bytes beyond the live ones is a full collection worth it. Either way
        // the count starts afresh, so a loop that allocates and frees pays this check once per threshold.
        // (GC.GetGCMemoryInfo would tell the generations apart, but it reads /proc: 25% of such a loop, measured.)
        long freed = _freedBytesSinceReclaim;
        _freedBytesSinceReclaim = 0;
        if (GC.GetTotalMemory(forceFullCollection: false) >= inUse + freed)
        {
            ReclaimCollectionCount++;
            GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: false);
        }
    }

    /// <summary>How many full .NET collections <see cref="ReclaimFreedMemoryIfDue"/> has run for this heap.</summary>
    internal int ReclaimCollectionCount { get; private set; }

    private static long ReadReclaimThreshold()
    {
        object? configured = AppContext.GetData("RefHeap.ReclaimThresholdBytes");
        long bytes = configured is null ? 32L << 20 : Convert.ToInt64(configured, System.Globalization.CultureInfo.InvariantCulture);
        return bytes > 0 ? bytes : long.MaxValue;
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
        _freedBytesSinceReclaim += Allocator.Free(obj._address);
        if (--LiveObjectCount == 0)
        {
            // The slot may go to another heap: this thread's fast check must stop naming it first.
            if (HeldHeaps.FastSlot == _slot)
            {
                HeldHeaps.FastSlot = 0;
            }

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

/// <summary>Keeps a heap current in its async flow until disposed (see <see cref="Heap.Activate"/>).</summary>
public readonly struct HeapScope : IDisposable
{
    private readonly Heap _heap;
    private readonly Heap? _previous;
    private readonly bool _taken;

    internal HeapScope(Heap heap, Heap? previous, bool taken)
    {
        _heap = heap;
        _previous = previous;
        _taken = taken;
    }

    /// <summary>Restores the heap that was current before <see cref="Heap.Activate"/>, and gives the heap up if the activation took it.</summary>
    public void Dispose()
    {
        Heap.Restore(_heap, _previous);
        if (_taken)
        {
            _heap.ReleaseIfIdle();
        }
    }
}
