using System.Collections.Generic;
using System.Runtime.CompilerServices;

namespace RefHeap;

/// <summary>
/// A heap's model of CPython's small-object allocator (pymalloc, Objects/obmalloc.c): it gives every object of the
/// heap an address (<see cref="Gc.Id"/>) from 16-byte size classes in 16 KiB pools in 256 KiB arenas, and larger
/// objects an address outside the arenas. Addresses are simulated (see docs/runtime.md, "Allocator"); the policy is
/// pymalloc's, so the addresses, their reuse and the fragmentation are the ones a CPython program would see.
/// </summary>
/// <remarks>
/// <para>Policy. A block comes from the first pool of its class's used list (pools neither empty nor full; a pool
/// joins at the front when it is taken or when a full pool has a block freed); within a pool, from the last freed
/// block, else the next never-used one. With no used pool, a pool comes from the usable arena with the fewest free
/// pools (ties: the one whose count changed last), so that allocations concentrate in the fullest arenas and the
/// emptiest ones can drain; with no usable arena, a new arena is reserved. An arena whose pools are all empty is
/// given back, unless no other arena has a free pool (CPython 3.9's bpo-37257: one empty arena is kept, so a loop
/// that allocates and frees one object at an arena boundary does not reserve and give back an arena each time).</para>
/// <para>The allocator belongs to its heap and is used on the heap's thread only. Its figures are plain properties
/// (for metrics); <see cref="GetStats"/> adds the per-class table and the text report.</para>
/// </remarks>
public sealed class ObjectAllocator
{
    private readonly Pool?[] _usedPools = new Pool?[SizeClasses.Count];
    private readonly int[] _poolsPerClass = new int[SizeClasses.Count];
    private readonly long[] _blocksInUse = new long[SizeClasses.Count];

    // Usable arenas (with at least one free pool), one list per free-pool count, each newest first.
    private readonly Arena?[] _usableArenas = new Arena?[Arena.PoolsPerArena + 1];
    private readonly HashSet<Arena> _arenas = new();
    private readonly Dictionary<uint, uint> _largeObjectGranules = new();
    private int _usableArenaCount;

    internal ObjectAllocator()
    {
    }

    /// <summary>Gives the arenas' address ranges back to the process when the heap is gone (it then holds no object).</summary>
    ~ObjectAllocator()
    {
        foreach (Arena arena in _arenas)
        {
            AddressSpace.ReleaseArena(arena.FirstGranule);
        }
    }

    /// <summary>Arenas reserved since the heap was created (<c># arenas allocated total</c>).</summary>
    public long ArenasAllocated { get; private set; }

    /// <summary>Arenas given back because all their pools were empty (<c># arenas reclaimed</c>).</summary>
    public long ArenasReclaimed { get; private set; }

    /// <summary>The most arenas held at the same time (<c># arenas highwater mark</c>).</summary>
    public int ArenasHighWater { get; private set; }

    /// <summary>Arenas held now (<c># arenas allocated current</c>).</summary>
    public int ArenasCurrent => _arenas.Count;

    /// <summary>Bytes of arena memory held now: <see cref="ArenasCurrent"/> × 256 KiB.</summary>
    public long BytesReserved => (long)ArenasCurrent * Arena.Size;

    /// <summary>Bytes in allocated small-object blocks (block sizes, not the objects' own sizes).</summary>
    public long BytesInUse { get; private set; }

    /// <summary>Objects over 512 bytes, allocated outside the arenas.</summary>
    public long LargeObjectCount => _largeObjectGranules.Count;

    /// <summary>Bytes held by objects over 512 bytes (each rounded up to 16).</summary>
    public long LargeObjectBytes { get; private set; }

    /// <summary>
    /// Takes a block for an object of <paramref name="size"/> bytes (1 or more) and returns its first granule
    /// (<see cref="AddressSpace"/>); <see cref="AddressSpace.ToAddress"/> turns it into the address.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal uint Allocate(int size)
    {
        if ((uint)(size - 1) >= SizeClasses.SmallThreshold)
        {
            return AllocateLarge(size);
        }

        int sizeClass = SizeClasses.Of(size);
        Pool pool = _usedPools[sizeClass] ?? TakePool(sizeClass);
        int block = pool.FreeHead;
        if (block != Pool.None)
        {
            pool.FreeHead = pool.FreeLinks[block];
        }
        else
        {
            block = pool.NextUnused++;
        }

        pool.UsedBlocks++;
        _blocksInUse[sizeClass]++;
        BytesInUse += pool.BlockGranules << AddressSpace.GranuleShift;
        if (pool.IsFull)
        {
            UnlinkUsed(pool);
        }

        return pool.FirstBlockGranule + (uint)(block * pool.BlockGranules);
    }

    /// <summary>
    /// Frees a block returned by <see cref="Allocate"/> of this allocator and returns its size in bytes.
    /// Precondition: not freed since.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal int Free(uint granule)
    {
        if (granule >= AddressSpace.LargeStart)
        {
            return FreeLarge(granule);
        }

        Arena arena = AddressSpace.ArenaOf(granule);
        Pool pool = arena.Pools[(granule - arena.FirstGranule) >> SizeClasses.GranulesPerPoolShift]!;
        int block = pool.BlockOf(granule);
        bool wasFull = pool.IsFull;
        pool.FreeLinks[block] = (short)pool.FreeHead;
        pool.FreeHead = block;
        pool.UsedBlocks--;
        _blocksInUse[pool.SizeClass]--;
        int blockBytes = pool.BlockGranules << AddressSpace.GranuleShift;
        BytesInUse -= blockBytes;
        if (pool.UsedBlocks == 0)
        {
            ReturnPool(pool);
        }
        else if (wasFull)
        {
            LinkUsedFirst(pool);
        }

        return blockBytes;
    }

    /// <summary>The figures of <c>sys._debugmallocstats()</c>, per size class and in total.</summary>
    public AllocatorStats GetStats()
    {
        var classes = new List<SizeClassStats>();
        for (int sizeClass = 0; sizeClass < SizeClasses.Count; sizeClass++)
        {
            if (_poolsPerClass[sizeClass] > 0)
            {
                long capacity = (long)_poolsPerClass[sizeClass] * SizeClasses.BlocksPerPool(sizeClass);
                classes.Add(new SizeClassStats(sizeClass, SizeClasses.BlockSize(sizeClass), _poolsPerClass[sizeClass],
                    _blocksInUse[sizeClass], capacity - _blocksInUse[sizeClass]));
            }
        }

        return new AllocatorStats(ArenasAllocated, ArenasReclaimed, ArenasHighWater, ArenasCurrent, classes, LargeObjectCount, LargeObjectBytes);
    }

    private Pool TakePool(int sizeClass)
    {
        Arena arena = FirstUsableArena() ?? ReserveArena();
        Unlink(arena);
        Pool pool = arena.TakePool(sizeClass);
        Link(arena);
        _poolsPerClass[sizeClass]++;
        LinkUsedFirst(pool);
        return pool;
    }

    // A pool holds at least 31 blocks, so one that just emptied was not full: it is in the used list.
    private void ReturnPool(Pool pool)
    {
        UnlinkUsed(pool);
        _poolsPerClass[pool.SizeClass]--;
        Arena arena = pool.Arena;
        Unlink(arena);
        arena.ReturnPool(pool);
        if (arena.FreePools == Arena.PoolsPerArena && _usableArenaCount > 0)
        {
            _arenas.Remove(arena);
            AddressSpace.ReleaseArena(arena.FirstGranule);
            ArenasReclaimed++;
        }
        else
        {
            Link(arena);
        }
    }

    private Arena? FirstUsableArena()
    {
        for (int freePools = 1; freePools <= Arena.PoolsPerArena; freePools++)
        {
            if (_usableArenas[freePools] is { } arena)
            {
                return arena;
            }
        }

        return null;
    }

    private Arena ReserveArena()
    {
        var arena = new Arena();
        _arenas.Add(arena);
        ArenasAllocated++;
        if (_arenas.Count > ArenasHighWater)
        {
            ArenasHighWater = _arenas.Count;
        }

        Link(arena);
        return arena;
    }

    // Puts a usable arena first in the list for its free-pool count; an arena without free pools is in no list.
    private void Link(Arena arena)
    {
        if (arena.FreePools == 0)
        {
            return;
        }

        Arena? first = _usableArenas[arena.FreePools];
        arena.Next = first;
        if (first is not null)
        {
            first.Previous = arena;
        }

        _usableArenas[arena.FreePools] = arena;
        _usableArenaCount++;
    }

    private void Unlink(Arena arena)
    {
        if (arena.FreePools == 0)
        {
            return;
        }

        if (arena.Previous is null)
        {
            _usableArenas[arena.FreePools] = arena.Next;
        }
        else
        {
            arena.Previous.Next = arena.Next;
        }

        if (arena.Next is not null)
        {
            arena.Next.Previous = arena.Previous;
        }

        arena.Previous = null;
        arena.Next = null;
        _usableArenaCount--;
    }

    private void LinkUsedFirst(Pool pool)
    {
        Pool? first = _usedPools[pool.SizeClass];
        pool.NextUsed = first;
        if (first is not null)
        {
            first.PreviousUsed = pool;
        }

        _usedPools[pool.SizeClass] = pool;
    }

    private void UnlinkUsed(Pool pool)
    {
        if (pool.PreviousUsed is null)
        {
            _usedPools[pool.SizeClass] = pool.NextUsed;
        }
        else
        {
            pool.PreviousUsed.NextUsed = pool.NextUsed;
        }

        if (pool.NextUsed is not null)
        {
            pool.NextUsed.PreviousUsed = pool.PreviousUsed;
        }

        pool.PreviousUsed = null;
        pool.NextUsed = null;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private uint AllocateLarge(int size)
    {
        uint granules = (uint)((size + SizeClasses.Alignment - 1) >> AddressSpace.GranuleShift);
        uint granule = AddressSpace.ReserveLarge(granules);
        _largeObjectGranules.Add(granule, granules);
        LargeObjectBytes += (long)granules << AddressSpace.GranuleShift;
        return granule;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private int FreeLarge(uint granule)
    {
        _largeObjectGranules.Remove(granule, out uint granules);
        int bytes = (int)granules << AddressSpace.GranuleShift;
        LargeObjectBytes -= bytes;
        AddressSpace.ReleaseLarge(granule, granules);
        return bytes;
    }
}
