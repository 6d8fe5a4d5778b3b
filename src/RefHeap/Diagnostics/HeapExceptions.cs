using System;

namespace RefHeap;

/// <summary>
/// An operation touched an object whose reference count already reached zero: a use after release, a double
/// release or a count going below zero. The message names the object, its type and the operation.
/// </summary>
public sealed class ReleasedObjectException : ObjectDisposedException
{
    internal ReleasedObjectException(RefObject obj, string operation)
        : base(obj.GetType().FullName, $"{operation} on {RefObject.Describe(obj)} of type '{obj.GetType().FullName}', which was already released (its reference count reached zero).")
    {
        Operation = operation;
        ObjectType = obj.GetType();
    }

    /// <summary>The operation that was refused (IncRef, DecRef, a container method, ...).</summary>
    public string Operation { get; }

    /// <summary>The type of the released object.</summary>
    public Type ObjectType { get; }
}

/// <summary>
/// The collector found an object whose count is lower than the number of strong references tracked objects hold
/// to it: a reference was released that was never owned (an over-release), so the object would be freed while still
/// in use. The collection is abandoned and nothing is freed (CPython aborts with "refcount is too small").
/// </summary>
public sealed class RefCountCorruptionException : InvalidOperationException
{
    internal RefCountCorruptionException(RefObject obj, long internalReferences)
        : base($"{RefObject.Describe(obj)} of type '{obj.GetType().FullName}' has a reference count of {obj.RefCount} but {internalReferences} strong references from tracked objects: a reference was released that was never owned (over-release). The collection was abandoned; nothing was freed.")
    {
        ObjectType = obj.GetType();
    }

    /// <summary>The type of the object whose count is too low.</summary>
    public Type ObjectType { get; }
}

/// <summary>
/// A heap, or an object of it, was used from a thread that could not take the heap: another thread held it for
/// longer than <see cref="Heap.AcquireTimeout"/>. A heap is used by one thread at a time (like an interpreter
/// holding its GIL); the message names both threads and how to hand the heap over.
/// </summary>
public sealed class HeapThreadException : InvalidOperationException
{
    internal HeapThreadException(string operation, Heap heap, int holderThread, int currentThread, TimeSpan waited)
        : base($"{operation} on thread {currentThread} needs heap {heap.Id}, but thread {holderThread} has held it for {waited.TotalMilliseconds:0} ms without giving it up. "
            + $"A heap is used by one thread at a time; a thread keeps it until its async flow leaves the thread (an await that yields, the end of a thread-pool work item). "
            + $"To fix: await the work instead of blocking on it (Wait, Result); or call heap.Release() on thread {holderThread} before handing the heap to another thread; "
            + "or give work that must run in parallel its own heap (using var scope = new Heap().Activate()).")
    {
        Operation = operation;
        HolderThreadId = holderThread;
        CurrentThreadId = currentThread;
    }

    /// <summary>The operation that was refused.</summary>
    public string Operation { get; }

    /// <summary>The managed id of the thread that held the heap.</summary>
    public int HolderThreadId { get; }

    /// <summary>The managed id of the thread whose operation was refused.</summary>
    public int CurrentThreadId { get; }
}

/// <summary>
/// An object of one heap was stored into a container or field of another heap. A heap's objects may only refer to
/// objects of the same heap (or immortal ones): otherwise freeing one would change counts on a heap another thread
/// may hold. The store was refused and no count changed.
/// </summary>
public sealed class HeapMismatchException : InvalidOperationException
{
    internal HeapMismatchException(string operation, RefObject value, int valueHeap, string destination, int destinationHeap)
        : base($"{operation}: {RefObject.Describe(value)} belongs to heap {valueHeap}, but {destination} belongs to heap {destinationHeap}. "
            + $"An object may only be stored in containers and fields of its own heap. To fix: create it on heap {destinationHeap} (new T(heap), or inside heap.Activate()), or copy its data.")
    {
        Operation = operation;
    }

    /// <summary>The store that was refused.</summary>
    public string Operation { get; }
}

/// <summary>Arguments of <see cref="Heap.UnraisableException"/>: an exception that user code threw where nobody can catch it.</summary>
public sealed class UnraisableExceptionEventArgs : EventArgs
{
    internal UnraisableExceptionEventArgs(Exception exception, string context, RefObject? obj)
    {
        Exception = exception;
        Context = context;
        Object = obj;
    }

    /// <summary>The exception that was thrown.</summary>
    public Exception Exception { get; }

    /// <summary>Where it was thrown, in CPython's wording ("Exception ignored in: ...").</summary>
    public string Context { get; }

    /// <summary>The object whose finalizer, callback or clear threw, when there is one (a borrowed reference).</summary>
    public RefObject? Object { get; }
}
