namespace RefHeap;

/// <summary>
/// A 256 KiB arena of sixteen 16 KiB pools (obmalloc's <c>arena_object</c>). Pools are carved out in address order
/// the first time they are needed; a pool that empties goes on the arena's free-pool list and is reused first.
/// </summary>
/// <remarks>
/// Invariant: <see cref="FreePools"/> = pools never carved out + pools on the free-pool list. The arena is in its
/// allocator's usable list for that count iff the count is above zero.
/// </remarks>
internal sealed class Arena
{
    public const int Size = 256 * 1024;

    public const int PoolsPerArena = Size / SizeClasses.PoolSize;

    public Arena() => FirstGranule = AddressSpace.ReserveArena(this);

    public uint FirstGranule { get; }

    /// <summary>The pools carved out so far, indexed by their position in the arena.</summary>
    public Pool?[] Pools { get; } = new Pool?[PoolsPerArena];

    public int FreePools { get; set; } = PoolsPerArena;

    /// <summary>How many pools have been carved out (the next one is <c>Pools[CarvedPools]</c>).</summary>
    public int CarvedPools { get; set; }

    /// <summary>Head of the list of empty pools, linked through <see cref="Pool.NextEmpty"/>; the last emptied first.</summary>
    public Pool? EmptyPools { get; set; }

    // Links in the allocator's list of usable arenas with the same FreePools.
    public Arena? Previous { get; set; }

    public Arena? Next { get; set; }

    /// <summary>Takes an empty pool (the last emptied, else the next never-used one) and makes it serve <paramref name="sizeClass"/>.</summary>
    public Pool TakePool(int sizeClass)
    {
        Pool? pool = EmptyPools;
        if (pool is not null)
        {
            EmptyPools = pool.NextEmpty;
            pool.NextEmpty = null;
        }
        else
        {
            pool = new Pool(this, CarvedPools);
            Pools[CarvedPools++] = pool;
        }

        FreePools--;
        pool.Assign(sizeClass);
        return pool;
    }

    /// <summary>Puts a pool whose last block was freed on the free-pool list.</summary>
    public void ReturnPool(Pool pool)
    {
        pool.NextEmpty = EmptyPools;
        EmptyPools = pool;
        FreePools++;
    }
}
