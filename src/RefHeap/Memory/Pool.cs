using System;

namespace RefHeap;

/// <summary>
/// A 16 KiB pool of equal-size blocks (obmalloc's <c>pool_header</c>). Blocks are handed out from the free list
/// first (last freed, first reused: pymalloc's <c>freeblock</c> chain), then in address order from the part never
/// used (<c>nextoffset</c>).
/// </summary>
/// <remarks>
/// Invariants: <see cref="UsedBlocks"/> blocks are allocated; the free list holds exactly the blocks below
/// <see cref="NextUnused"/> that are not; the pool is in its allocator's used list for its class iff it is neither
/// empty nor full. Fields rather than properties: this is the allocation fast path.
/// </remarks>
internal sealed class Pool
{
    /// <summary>No block: the end of the free list.</summary>
    public const int None = -1;

    public readonly Arena Arena;

    /// <summary>The granule of block 0, just after the pool header.</summary>
    public readonly uint FirstBlockGranule;

    public int SizeClass = None;
    public int BlockGranules;

    /// <summary>
    /// ceil(2^32 / <see cref="BlockGranules"/>): <see cref="BlockOf"/> divides by a multiply and a shift, exact for
    /// offsets below a pool's 1,024 granules and divisors up to 32 (the error stays under 2^-22).
    /// </summary>
    public ulong BlockReciprocal;
    public int Capacity;
    public int UsedBlocks;
    public int NextUnused;

    /// <summary>The last freed block, or <see cref="None"/>. <see cref="FreeLinks"/>[b] is the block freed before b.</summary>
    public int FreeHead = None;

    /// <summary>
    /// The free list's links: in pymalloc they live in the free blocks themselves. Two bytes per block (a pool holds
    /// at most 1,021 blocks; <see cref="None"/> is -1 either way): the model's own cost per object (docs/performance.md).
    /// </summary>
    public short[] FreeLinks = Array.Empty<short>();

    // Links in the allocator's used list of the pool's size class.
    public Pool? PreviousUsed;
    public Pool? NextUsed;

    // Link in the arena's list of empty pools.
    public Pool? NextEmpty;

    public Pool(Arena arena, int index)
    {
        Arena = arena;
        FirstBlockGranule = arena.FirstGranule + ((uint)index << SizeClasses.GranulesPerPoolShift) + SizeClasses.PoolHeaderGranules;
    }

    public int Index => (int)((FirstBlockGranule - Arena.FirstGranule) >> SizeClasses.GranulesPerPoolShift);

    public bool IsFull => FreeHead == None && NextUnused == Capacity;

    /// <summary>The index of the block that starts at <paramref name="granule"/>, a block of this pool.</summary>
    public int BlockOf(uint granule) => (int)(((granule - FirstBlockGranule) * BlockReciprocal) >> 32);

    /// <summary>
    /// Prepares an empty pool for <paramref name="sizeClass"/>. A pool that served the same class keeps its free list,
    /// as in pymalloc (its header is still valid); otherwise it starts over at its first block.
    /// </summary>
    public void Assign(int sizeClass)
    {
        if (sizeClass == SizeClass)
        {
            return;
        }

        SizeClass = sizeClass;
        BlockGranules = sizeClass + 1;
        BlockReciprocal = ((1UL << 32) + (ulong)BlockGranules - 1) / (ulong)BlockGranules;
        Capacity = SizeClasses.BlocksPerPool(sizeClass);
        NextUnused = 0;
        FreeHead = None;
        if (FreeLinks.Length < Capacity)
        {
            FreeLinks = new short[Capacity];
        }
    }
}
