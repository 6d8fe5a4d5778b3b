using System;
using System.Collections.Generic;
using System.Threading;

namespace RefHeap;

/// <summary>
/// The simulated 64 GiB address space shared by every heap of the process: what <c>mmap</c> and <c>malloc</c> are
/// to CPython's per-interpreter allocators. No native memory is involved; an address is a number.
/// </summary>
/// <remarks>
/// <para>Inside the runtime an address is a <em>granule</em>: a 32-bit count of 16-byte units from <see cref="Base"/>.
/// It fits in the object header in 4 bytes and is aligned to 16 by construction. The ranges:</para>
/// <list type="bullet">
/// <item>granules [0, 2^14): the null arena, never handed out (granule 0 means "no address");</item>
/// <item>[2^14, 2^31): small-object arenas, one 2^14-granule (256 KiB) slot each;</item>
/// <item>[2^31, 2^31 + 2^30): objects over 512 bytes, outside the arenas (CPython's <c>malloc</c> fallback);</item>
/// <item>[2^31 + 2^30, 2^32): immortal objects, given an address the first time <see cref="Gc.Id"/> asks (CPython's
/// statically allocated objects).</item>
/// </list>
/// <para>Arena slots and large ranges are process-wide (each heap has its own pools and arenas, like PEP 684's
/// per-interpreter obmalloc state), so two live objects never share an address, whatever heaps they belong to.
/// Released ranges are reused last-in first-out. Everything here is rare (one call per 256 KiB arena or per large
/// object) and takes one lock.</para>
/// </remarks>
internal static class AddressSpace
{
    /// <summary>The address of granule 0 (a typical 64-bit Linux <c>mmap</c> address, so ids look like CPython's).</summary>
    public const long Base = 0x7F00_0000_0000;

    public const int GranuleShift = 4;
    public const int GranulesPerArenaShift = 14;
    public const uint LargeStart = 1u << 31;
    public const uint StaticStart = LargeStart + (1u << 30);

    /// <summary>Immortal objects are given 32 bytes each: a header without fields is all their id needs.</summary>
    private const uint StaticObjectGranules = 2;

    private const uint MaxArenaSlots = LargeStart >> GranulesPerArenaShift;

    private static readonly object Gate = new();
    private static readonly Stack<uint> FreeArenaSlots = new();
    private static readonly Dictionary<uint, Stack<uint>> FreeLargeRanges = new();
    private static Arena?[] s_arenas = new Arena?[64];
    private static uint s_nextArenaSlot = 1;
    private static uint s_nextLarge = LargeStart;
    private static uint s_nextStatic = StaticStart;

    /// <summary>The byte address of a granule.</summary>
    public static long ToAddress(uint granule) => Base + ((long)granule << GranuleShift);

    /// <summary>The arena that holds <paramref name="granule"/> (a small-object block of a live arena).</summary>
    public static Arena ArenaOf(uint granule) => Volatile.Read(ref s_arenas)[granule >> GranulesPerArenaShift]!;

    /// <summary>Reserves a 256 KiB slot for <paramref name="arena"/> and returns its first granule.</summary>
    /// <exception cref="OutOfMemoryException">All 2^17 - 1 arena slots (32 GiB) are in use.</exception>
    public static uint ReserveArena(Arena arena)
    {
        lock (Gate)
        {
            uint slot;
            if (FreeArenaSlots.Count > 0)
            {
                slot = FreeArenaSlots.Pop();
            }
            else if (s_nextArenaSlot < MaxArenaSlots)
            {
                slot = s_nextArenaSlot++;
            }
            else
            {
                throw new OutOfMemoryException($"The simulated address space has no free arena: {MaxArenaSlots - 1} arenas of 256 KiB are in use.");
            }

            Arena?[] arenas = s_arenas;
            if (slot >= arenas.Length)
            {
                // Readers on other threads keep using the old array: the slots of their live arenas are copied unchanged.
                Array.Resize(ref arenas, Math.Min(arenas.Length * 2, (int)MaxArenaSlots));
                Volatile.Write(ref s_arenas, arenas);
            }

            arenas[slot] = arena;
            return slot << GranulesPerArenaShift;
        }
    }

    /// <summary>Gives an arena's slot back; its addresses may be handed out again.</summary>
    public static void ReleaseArena(uint firstGranule)
    {
        uint slot = firstGranule >> GranulesPerArenaShift;
        lock (Gate)
        {
            s_arenas[slot] = null;
            FreeArenaSlots.Push(slot);
        }
    }

    /// <summary>Reserves a range of <paramref name="granules"/> outside the arenas; a released range of the same size is reused first.</summary>
    /// <exception cref="OutOfMemoryException">The 16 GiB large-object range is exhausted.</exception>
    public static uint ReserveLarge(uint granules)
    {
        lock (Gate)
        {
            if (FreeLargeRanges.TryGetValue(granules, out Stack<uint>? free) && free.Count > 0)
            {
                return free.Pop();
            }

            if (StaticStart - s_nextLarge < granules)
            {
                throw new OutOfMemoryException("The simulated large-object address range (16 GiB) is exhausted.");
            }

            uint start = s_nextLarge;
            s_nextLarge += granules;
            return start;
        }
    }

    /// <summary>Gives back a range obtained from <see cref="ReserveLarge"/> with the same size.</summary>
    public static void ReleaseLarge(uint start, uint granules)
    {
        lock (Gate)
        {
            if (!FreeLargeRanges.TryGetValue(granules, out Stack<uint>? free))
            {
                free = new Stack<uint>();
                FreeLargeRanges.Add(granules, free);
            }

            free.Push(start);
        }
    }

    /// <summary>Gives <paramref name="granule"/> a static address if it has none yet (thread-safe; immortal objects are shared).</summary>
    /// <exception cref="OutOfMemoryException">More than 2^29 immortal objects asked for an id.</exception>
    public static uint AssignStatic(ref uint granule)
    {
        uint current = Volatile.Read(ref granule);
        if (current != 0)
        {
            return current;
        }

        uint next = Interlocked.Add(ref s_nextStatic, StaticObjectGranules) - StaticObjectGranules;
        if (next < StaticStart)
        {
            throw new OutOfMemoryException("The simulated static-object address range is exhausted.");
        }

        uint previous = Interlocked.CompareExchange(ref granule, next, 0);
        return previous == 0 ? next : previous;
    }
}
