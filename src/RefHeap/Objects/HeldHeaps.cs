using System;
using System.Collections.Generic;
using System.Threading;

namespace RefHeap;

/// <summary>
/// The heaps the calling thread holds (see <see cref="Heap"/>'s thread model), and the hook that lets them go when
/// the thread stops running the async flow that used them.
/// </summary>
/// <remarks>
/// Invariant: <see cref="FastSlot"/> is 0 or the registry slot of a heap the calling thread holds. It is set only
/// after the thread acquired that heap, and cleared on this thread before the heap is released or gives up its slot
/// (both happen only on the holding thread), so a count change that finds its object's slot equal to it needs no
/// other check.
/// </remarks>
internal static class HeldHeaps
{
    /// <summary>The slot of the heap the calling thread used last, if it still holds it; 0 otherwise.</summary>
    [ThreadStatic]
    internal static int FastSlot;

    [ThreadStatic]
    private static List<Heap>? t_held;

    private static readonly object Marker = new();

    // Non-null in every execution context in which this thread acquired a heap. When the thread switches to a context
    // without it (the end of a thread-pool work item, an await that yields back to a caller that never touched a heap,
    // a dedicated thread's continuation returning), the callback releases what the thread holds.
    private static readonly AsyncLocal<object?> FlowMarker = new(OnFlowChanged);

    /// <summary>Records that the calling thread now holds <paramref name="heap"/>.</summary>
    public static void Add(Heap heap)
    {
        (t_held ??= new List<Heap>()).Add(heap);
        if (FlowMarker.Value is null)
        {
            FlowMarker.Value = Marker;
        }
    }

    /// <summary>Records that the calling thread no longer holds <paramref name="heap"/>.</summary>
    public static void Remove(Heap heap)
    {
        t_held?.Remove(heap);
        if (heap.Slot != 0 && FastSlot == heap.Slot)
        {
            FastSlot = 0;
        }
    }

    // Runs on the thread whose context changes; must not throw (an exception here ends the process).
    private static void OnFlowChanged(AsyncLocalValueChangedArgs<object?> change)
    {
        if (!change.ThreadContextChanged || change.CurrentValue is not null || t_held is not { Count: > 0 } held)
        {
            return;
        }

        foreach (Heap heap in held.ToArray())
        {
            heap.ReleaseIfIdle();
        }
    }
}
