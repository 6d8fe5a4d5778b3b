using System.Collections.Generic;
using System.Linq;
using CsCheck;
using RefHeap;
using Xunit;

namespace RefHeap.Tests.Memory;

/// <summary>
/// Model-based random tests of the allocator: random programs of batch allocations (random sizes, small and large)
/// and batch frees run against <see cref="ObjectAllocator"/> and against a plain reference model of pymalloc's
/// policy written with lists and linear searches. After every step: each address is the one the model predicts, the
/// stats equal the model's, no two live blocks share an address, and every address is aligned to 16.
/// </summary>
public class AllocatorModelTests
{
    private const int PoolsPerArena = 16;
    private const int GranulesPerArena = 1 << 14;
    private const int GranulesPerPool = 1 << 10;
    private const int PoolHeaderGranules = 3;

    public readonly record struct Op(bool Allocate, int Count, int Size, int Seed);

    // Sizes mostly in three big classes (so arenas fill, drain and get reclaimed within a program), some in any class,
    // a few large.
    private static readonly Gen<int> GenSize = Gen.Frequency(
        (6, Gen.OneOfConst(400, 496, 512)),
        (3, Gen.Int[1, 512]),
        (1, Gen.Int[1024, 2048]));

    private static readonly Gen<Op> GenOp = Gen.Select(Gen.Int[0, 99], Gen.Int[1, 400], GenSize, Gen.Int[0, int.MaxValue],
        (kind, count, size, seed) => new Op(kind < 55, count, size, seed));

    [Fact]
    public void AllocatorAgreesWithTheReferenceModel() =>
        GenOp.Array[1, 60].Sample(program => new Simulation().Run(program), iter: 150);

    [Fact]
    public void HeapObjectsHaveDistinctAlignedIdsAndTheStatsCountThem() =>
        Gen.Select(Gen.Int[0, 2], Gen.Bool).Array[1, 300].Sample(program =>
        {
            using var heap = new TestHeap();
            var live = new List<RefObject>();
            foreach ((int kind, bool create) in program)
            {
                if (create || live.Count == 0)
                {
                    live.Add(kind switch { 0 => new Node(), 1 => RefString.FromString("text"), _ => new RefList<Node>() });
                }
                else
                {
                    RefObject victim = live[kind * 7919 % live.Count];
                    live.Remove(victim);
                    victim.DecRef();
                }

                long[] ids = live.Select(Gc.Id).ToArray();
                Assert.Equal(ids.Length, ids.Distinct().Count());
                Assert.All(ids, id => Assert.Equal(0, id % 16));
                long expectedBytes = live.Sum(o => ((TypeLayout.Of(o.GetType()).ObjectSize + 15) / 16) * 16L);
                Assert.Equal(expectedBytes, heap.Heap.Allocator.BytesInUse);
                Assert.Equal(live.Count, Gc.GetAllocatorStats().SizeClasses.Sum(c => c.BlocksInUse));
            }

            foreach (RefObject obj in live)
            {
                obj.DecRef();
            }
        }, iter: 100);

    private sealed class ModelArena
    {
        public uint FirstGranule;
        public int Carved;
        public long Stamp;
        public readonly Stack<ModelPool> Empty = new();

        public int FreePools => PoolsPerArena - Carved + Empty.Count;
    }

    private sealed class ModelPool
    {
        public required ModelArena Arena;
        public required int Index;
        public int SizeClass = -1;
        public int NextUnused;
        public readonly Stack<int> Free = new();
        public readonly HashSet<int> Used = new();

        public int Capacity => (16384 - 48) / BlockSize;

        public int BlockSize => (SizeClass + 1) * 16;

        public bool IsFull => Free.Count == 0 && NextUnused == Capacity;

        public uint Granule(int block) => Arena.FirstGranule + (uint)(Index * GranulesPerPool + PoolHeaderGranules + block * (SizeClass + 1));
    }

    private sealed class Simulation
    {
        private readonly ObjectAllocator _allocator = new();
        private readonly List<ModelArena> _arenas = new();
        private readonly List<ModelPool>[] _usedPools = Enumerable.Range(0, 32).Select(_ => new List<ModelPool>()).ToArray();
        private readonly List<uint> _live = new();
        private readonly HashSet<uint> _liveSet = new();
        private readonly Dictionary<uint, (ModelPool Pool, int Block)> _smallBlocks = new();
        private readonly Dictionary<uint, long> _largeBytes = new();
        private long _clock;
        private long _arenasAllocated;
        private long _arenasReclaimed;
        private int _highWater;

        public void Run(Op[] program)
        {
            foreach (Op op in program)
            {
                for (int i = 0; i < op.Count; i++)
                {
                    if (op.Allocate)
                    {
                        Allocate(op.Size);
                    }
                    else if (_live.Count > 0)
                    {
                        Free((int)((op.Seed + (long)i * 7919) % _live.Count));
                    }
                }

                CheckStats();
            }
        }

        private void Allocate(int size)
        {
            uint granule = _allocator.Allocate(size);
            Assert.True(_liveSet.Add(granule), "two live blocks share an address");
            Assert.Equal(0, AddressSpace.ToAddress(granule) % 16);
            _live.Add(granule);
            if (size > 512)
            {
                Assert.True(granule >= AddressSpace.LargeStart && granule < AddressSpace.StaticStart);
                _largeBytes.Add(granule, (size + 15) / 16 * 16);
                return;
            }

            int sizeClass = (size - 1) / 16;
            ModelPool pool = _usedPools[sizeClass].Count > 0 ? _usedPools[sizeClass][0] : TakePool(sizeClass, granule);
            int block = pool.Free.Count > 0 ? pool.Free.Pop() : pool.NextUnused++;
            pool.Used.Add(block);
            if (pool.IsFull)
            {
                _usedPools[sizeClass].Remove(pool);
            }

            Assert.Equal(pool.Granule(block), granule);
            _smallBlocks.Add(granule, (pool, block));
        }

        // The usable arena with the fewest free pools, the last changed first; else a new arena, whose address the
        // process-wide address space decides: it is learnt from the granule the allocator returned.
        private ModelPool TakePool(int sizeClass, uint granule)
        {
            ModelArena? arena = _arenas.Where(a => a.FreePools > 0).OrderBy(a => a.FreePools).ThenByDescending(a => a.Stamp).FirstOrDefault();
            if (arena is null)
            {
                arena = new ModelArena { FirstGranule = granule & ~(uint)(GranulesPerArena - 1) };
                Assert.DoesNotContain(_arenas, a => a.FirstGranule == arena.FirstGranule);
                _arenas.Add(arena);
                _arenasAllocated++;
                _highWater = System.Math.Max(_highWater, _arenas.Count);
            }

            ModelPool pool = arena.Empty.Count > 0 ? arena.Empty.Pop() : new ModelPool { Arena = arena, Index = arena.Carved++ };
            arena.Stamp = ++_clock;
            if (pool.SizeClass != sizeClass)
            {
                pool.SizeClass = sizeClass;
                pool.NextUnused = 0;
                pool.Free.Clear();
            }

            _usedPools[sizeClass].Insert(0, pool);
            return pool;
        }

        private void Free(int index)
        {
            uint granule = _live[index];
            _allocator.Free(granule);
            _live[index] = _live[^1];
            _live.RemoveAt(_live.Count - 1);
            _liveSet.Remove(granule);
            if (_largeBytes.Remove(granule))
            {
                return;
            }

            (ModelPool pool, int block) = _smallBlocks[granule];
            _smallBlocks.Remove(granule);
            bool wasFull = pool.IsFull;
            pool.Used.Remove(block);
            pool.Free.Push(block);
            if (pool.Used.Count == 0)
            {
                _usedPools[pool.SizeClass].Remove(pool);
                ModelArena arena = pool.Arena;
                arena.Empty.Push(pool);
                arena.Stamp = ++_clock;
                if (arena.FreePools == PoolsPerArena && _arenas.Any(a => a != arena && a.FreePools > 0))
                {
                    _arenas.Remove(arena);
                    _arenasReclaimed++;
                }
            }
            else if (wasFull)
            {
                _usedPools[pool.SizeClass].Insert(0, pool);
            }
        }

        private void CheckStats()
        {
            AllocatorStats stats = _allocator.GetStats();
            var expectedClasses = _smallBlocks.Values.Select(b => b.Pool).Distinct()
                .GroupBy(p => p.SizeClass)
                .OrderBy(g => g.Key)
                .Select(g => new SizeClassStats(g.Key, (g.Key + 1) * 16, g.Count(), g.Sum(p => p.Used.Count), g.Sum(p => p.Capacity - p.Used.Count)))
                .ToList();
            Assert.Equal(expectedClasses, stats.SizeClasses);
            Assert.Equal(_arenasAllocated, stats.ArenasAllocated);
            Assert.Equal(_arenasReclaimed, stats.ArenasReclaimed);
            Assert.Equal(_highWater, stats.ArenasHighWater);
            Assert.Equal(_arenas.Count, stats.ArenasCurrent);
            Assert.Equal(_arenas.Count * PoolsPerArena - expectedClasses.Sum(c => c.Pools), stats.EmptyPools);
            Assert.Equal(_smallBlocks.Values.Sum(b => (long)b.Pool.BlockSize), stats.BytesInUse);
            Assert.Equal(_largeBytes.Count, stats.LargeObjects);
            Assert.Equal(_largeBytes.Values.Sum(), stats.LargeObjectBytes);
            Assert.Equal(stats.BytesReserved,
                stats.BytesInUse + stats.BytesAvailable + stats.BytesInEmptyPools + stats.BytesInPoolHeaders + stats.BytesLostToQuantization);
            Assert.Equal(stats.BytesInUse, _allocator.BytesInUse);
        }
    }
}
