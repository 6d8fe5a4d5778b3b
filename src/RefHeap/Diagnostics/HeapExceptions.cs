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
/// A heap, or an object of it, was used from a thread other than the one that owns the heap. Heaps are
/// single-threaded by design (like an interpreter holding its GIL); share data between threads by copying it.
/// </summary>
public sealed class HeapThreadException : InvalidOperationException
{
    internal HeapThreadException(string operation, int ownerThread, int currentThread)
        : base($"{operation} was called on thread {currentThread}, but the heap belongs to thread {ownerThread}. A heap and its objects may only be used by the thread that created the heap.")
    {
    }
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
