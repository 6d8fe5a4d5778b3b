using System;
using System.Collections.Generic;
using System.Threading;

namespace RefHeap;

/// <summary>
/// Maps the small heap index stored in each object header to its <see cref="Heap"/>, so the header needs no
/// 8-byte heap pointer. A heap holds a slot only while it has live objects (see <see cref="Heap.Register"/> and
/// the end of a deallocation), so slots are recycled and a program may create any number of heaps over time.
/// </summary>
/// <remarks>
/// Invariant: a live object's slot is held by its heap, so <see cref="Get"/> of a live object's index is its heap.
/// A dead object's index may have been reused; nothing reads it (every use of a dead object throws first).
/// Slot 0 means "no heap" (immortal objects and list heads).
/// </remarks>
internal static class HeapRegistry
{
    /// <summary>The header keeps the heap index above the <see cref="ObjectFlags"/> bits.</summary>
    public const int IndexShift = 12;

    /// <summary>The largest number of heaps with live objects at the same time.</summary>
    public const int MaxHeaps = (1 << (31 - IndexShift)) - 1;

    private static readonly object Gate = new();
    private static readonly Stack<int> FreeSlots = new();
    private static Heap?[] s_slots = new Heap?[64];
    private static int s_nextSlot = 1;

    /// <summary>The header bits that hold the heap index.</summary>
    public const ObjectFlags IndexMask = (ObjectFlags)(-1 << IndexShift);

    public static Heap Get(ObjectFlags flags) => Volatile.Read(ref s_slots)[(int)flags >> IndexShift]!;

    /// <summary>The heaps that have live objects, for observers on any thread: a heap may join or leave meanwhile.</summary>
    public static IEnumerable<Heap> HeapsWithLiveObjects()
    {
        foreach (Heap? heap in Volatile.Read(ref s_slots))
        {
            if (heap is not null)
            {
                yield return heap;
            }
        }
    }

    /// <summary>The heap of an object that may have died on another thread meanwhile: null if its slot was given up.</summary>
    public static Heap? Find(ObjectFlags flags)
    {
        Heap?[] slots = Volatile.Read(ref s_slots);
        int index = (int)flags >> IndexShift;
        return index < slots.Length ? slots[index] : null;
    }

    public static int Acquire(Heap heap)
    {
        lock (Gate)
        {
            int slot;
            if (FreeSlots.Count > 0)
            {
                slot = FreeSlots.Pop();
            }
            else
            {
                if (s_nextSlot > MaxHeaps)
                {
                    throw new InvalidOperationException($"More than {MaxHeaps} heaps have live objects at the same time.");
                }

                slot = s_nextSlot++;
            }

            Heap?[] slots = s_slots;
            if (slot >= slots.Length)
            {
                // Readers on other threads keep working on the old array: their heaps' slots are copied unchanged.
                Array.Resize(ref slots, slots.Length * 2);
                Volatile.Write(ref s_slots, slots);
            }

            slots[slot] = heap;
            return slot;
        }
    }

    public static void Release(int slot)
    {
        lock (Gate)
        {
            s_slots[slot] = null;
            FreeSlots.Push(slot);
        }
    }
}
