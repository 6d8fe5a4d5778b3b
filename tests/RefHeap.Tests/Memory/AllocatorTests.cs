using System.Collections.Generic;
using System.Linq;
using System.Text.RegularExpressions;
using RefHeap;
using Xunit;

namespace RefHeap.Tests.Memory;

/// <summary>The allocator model seen through the heap: addresses (<see cref="Gc.Id"/>), their reuse, arenas, large objects and the report.</summary>
public class AllocatorTests
{
    // Node has two fields: 32 + 2 * 8 = 48 bytes, size class 2, 340 blocks a pool, 5440 an arena.
    private const int NodeSize = 48;
    private const int NodesPerArena = 16 * ((16384 - 48) / NodeSize);

    /// <summary>Three fields: 56 bytes, size class 3.</summary>
    private sealed class Triple : RefObject
    {
#pragma warning disable CS0649 // The fields exist for their size.
        public RefObject? A, B, C;
#pragma warning restore CS0649
    }

    /// <summary>61 fields: 32 + 61 * 8 = 520 bytes, over the 512-byte small-object threshold.</summary>
    private sealed class Large : RefObject
    {
#pragma warning disable CS0649 // The fields exist for their size.
        public long F00, F01, F02, F03, F04, F05, F06, F07, F08, F09, F10, F11, F12, F13, F14, F15, F16, F17, F18, F19;
        public long F20, F21, F22, F23, F24, F25, F26, F27, F28, F29, F30, F31, F32, F33, F34, F35, F36, F37, F38, F39;
        public long F40, F41, F42, F43, F44, F45, F46, F47, F48, F49, F50, F51, F52, F53, F54, F55, F56, F57, F58, F59, F60;
#pragma warning restore CS0649
    }

    [Fact]
    public void ThePrematureFreeHackGivesTheNextObjectTheFreedAddress()
    {
        using var heap = new TestHeap();
        var a = new Node("a");
        var b = new Node("b");
        long idOfA = Gc.Id(a);

        a.DangerousSetRefCount(0);
        var c = new Node("c");

        Assert.Equal(Gc.Id(a), Gc.Id(c));
        Assert.Equal(idOfA, Gc.Id(c));
        Assert.NotEqual(Gc.Id(b), Gc.Id(c));
        b.DecRef();
        c.DecRef();
    }

    [Fact]
    public void ConsecutiveObjectsOfOneClassAreOneBlockApartAndAligned()
    {
        using var heap = new TestHeap();
        var first = new Node();
        var second = new Node();
        var third = new Node();

        Assert.Equal(NodeSize, Gc.Id(second) - Gc.Id(first));
        Assert.Equal(NodeSize, Gc.Id(third) - Gc.Id(second));
        Assert.All(new[] { first, second, third }, n => Assert.Equal(0, Gc.Id(n) % 16));
        // The first block of a fresh arena's first pool follows the 48-byte pool header.
        Assert.Equal(48, Gc.Id(first) % (256 * 1024));
        foreach (Node node in new[] { first, second, third })
        {
            node.DecRef();
        }
    }

    [Fact]
    public void FreedBlocksAreReusedLastFreedFirst()
    {
        using var heap = new TestHeap();
        Node[] nodes = Enumerable.Range(0, 4).Select(_ => new Node()).ToArray();
        long[] ids = nodes.Select(Gc.Id).ToArray();

        nodes[1].DecRef();
        nodes[3].DecRef();
        nodes[2].DecRef();
        var reused = new[] { new Node(), new Node(), new Node(), new Node() };

        Assert.Equal(new[] { ids[2], ids[3], ids[1], ids[3] + NodeSize }, reused.Select(Gc.Id));
        nodes[0].DecRef();
        foreach (Node node in reused)
        {
            node.DecRef();
        }
    }

    [Fact]
    public void ObjectsOfDifferentSizesUseDifferentPools()
    {
        using var heap = new TestHeap();
        var node = new Node();
        var triple = new Triple();

        AllocatorStats stats = Gc.GetAllocatorStats();

        Assert.Equal(new[] { (2, 48), (3, 64) }, stats.SizeClasses.Select(c => (c.SizeClass, c.BlockSize)));
        Assert.NotEqual(Gc.Id(node) / 16384, Gc.Id(triple) / 16384);
        Assert.Equal(48 + 64, stats.BytesInUse);
        node.DecRef();
        triple.DecRef();
    }

    [Fact]
    public void EmptyArenasAreGivenBackExceptTheLastOne()
    {
        using var heap = new TestHeap();
        ObjectAllocator allocator = heap.Heap.Allocator;
        List<Node> nodes = Enumerable.Range(0, 3 * NodesPerArena).Select(_ => new Node()).ToList();
        Assert.Equal(3, allocator.ArenasCurrent);
        Assert.Equal(3, allocator.ArenasHighWater);

        // One survivor per arena keeps all three: the memory is fragmented.
        List<Node> survivors = new[] { 0, NodesPerArena, 2 * NodesPerArena }.Select(i => nodes[i]).ToList();
        foreach (Node node in nodes.Except(survivors))
        {
            node.DecRef();
        }

        AllocatorStats fragmented = allocator.GetStats();
        Assert.Equal(3, fragmented.ArenasCurrent);
        Assert.Equal(0, fragmented.ArenasReclaimed);
        Assert.Equal(3 * NodeSize, fragmented.BytesInUse);
        Assert.Equal(1.0 - 3.0 * NodeSize / (3 * 256 * 1024), fragmented.Fragmentation, 12);

        foreach (Node node in survivors)
        {
            node.DecRef();
        }

        AllocatorStats drained = allocator.GetStats();
        Assert.Equal(1, drained.ArenasCurrent);
        Assert.Equal(2, drained.ArenasReclaimed);
        Assert.Equal(3, drained.ArenasAllocated);
        Assert.Equal(3, drained.ArenasHighWater);
        Assert.Equal(0, drained.BytesInUse);
        Assert.Equal(16, drained.EmptyPools);
        Assert.Empty(drained.SizeClasses);
    }

    [Fact]
    public void NewPoolsComeFromTheFullestArena()
    {
        using var heap = new TestHeap();
        List<Node> nodes = Enumerable.Range(0, 2 * NodesPerArena).Select(_ => new Node()).ToList();
        long firstArena = Gc.Id(nodes[0]) / (256 * 1024);
        long secondArena = Gc.Id(nodes[NodesPerArena]) / (256 * 1024);

        // Empty two pools of the first arena and one of the second: the second has fewer free pools.
        const int perPool = NodesPerArena / 16;
        foreach (Node node in nodes.Take(2 * perPool).Concat(nodes.Skip(NodesPerArena).Take(perPool)))
        {
            node.DecRef();
        }

        // The used lists are empty (every partly used pool is full again), so the next node takes a new pool: from the second arena.
        var next = new Node();
        Assert.Equal(secondArena, Gc.Id(next) / (256 * 1024));
        Assert.NotEqual(firstArena, secondArena);
        next.DecRef();
    }

    [Fact]
    public void LargeObjectsLiveOutsideTheArenasAndTheirAddressesAreReused()
    {
        using var heap = new TestHeap();
        var large = new Large();
        long id = Gc.Id(large);
        AllocatorStats stats = Gc.GetAllocatorStats();
        Assert.Equal(1, stats.LargeObjects);
        Assert.Equal(528, stats.LargeObjectBytes);
        Assert.Equal(0, stats.ArenasCurrent);
        Assert.True(id >= AddressSpace.ToAddress(AddressSpace.LargeStart));

        large.DecRef();
        Assert.Equal(0, heap.Heap.Allocator.LargeObjectCount);
        var again = new Large();
        Assert.Equal(id, Gc.Id(again));
        again.DecRef();
    }

    [Fact]
    public void CollectedCyclesGiveTheirBlocksBack()
    {
        using var heap = new TestHeap();
        var a = new Node();
        var b = new Node();
        a.Next = b;
        RefField.Set(ref b.Next, a);
        a.DecRef();
        Assert.Equal(2 * NodeSize, heap.Heap.Allocator.BytesInUse);

        Assert.Equal(2, Gc.Collect());
        Assert.Equal(0, heap.Heap.Allocator.BytesInUse);
    }

    [Fact]
    public void EachHeapHasItsOwnAllocatorAndAddressesNeverCollide()
    {
        var first = new Heap();
        var second = new Heap();
        var inFirst = new Node(first);
        var inSecond = new Node(second);

        Assert.NotEqual(Gc.Id(inFirst), Gc.Id(inSecond));
        Assert.Equal(NodeSize, first.Allocator.BytesInUse);
        Assert.Equal(NodeSize, second.Allocator.BytesInUse);
        Assert.NotEqual(Gc.Id(inFirst) / (256 * 1024), Gc.Id(inSecond) / (256 * 1024));
        inFirst.DecRef();
        Assert.Equal(0, first.Allocator.BytesInUse);
        Assert.Equal(NodeSize, second.Allocator.BytesInUse);
        inSecond.DecRef();
    }

    [Fact]
    public void ImmortalObjectsHaveAStableStaticAddress()
    {
        RefInt five = RefInt.FromInt64(5);
        RefInt six = RefInt.FromInt64(6);

        Assert.Equal(Gc.Id(five), Gc.Id(RefInt.FromInt64(5)));
        Assert.NotEqual(Gc.Id(five), Gc.Id(six));
        Assert.True(Gc.Id(five) >= AddressSpace.ToAddress(AddressSpace.StaticStart));
    }

    [Fact]
    public void TheReportAddsUpLikeDebugMallocStats()
    {
        using var heap = new TestHeap();
        List<Node> nodes = Enumerable.Range(0, 1000).Select(_ => new Node()).ToList();
        foreach (Node node in nodes.Where((_, i) => i % 3 == 0))
        {
            node.DecRef();
        }

        AllocatorStats stats = Gc.GetAllocatorStats();
        SizeClassStats nodeClass = Assert.Single(stats.SizeClasses);
        Assert.Equal(new SizeClassStats(2, NodeSize, 3, 666, 3 * 340 - 666), nodeClass);
        Assert.Equal(666 * NodeSize, stats.BytesInUse);
        Assert.Equal(13, stats.EmptyPools);
        Assert.Equal(3 * 48, stats.BytesInPoolHeaders);
        Assert.Equal(3 * ((16384 - 48) % NodeSize), stats.BytesLostToQuantization);
        Assert.Equal(stats.BytesReserved,
            stats.BytesInUse + stats.BytesAvailable + stats.BytesInEmptyPools + stats.BytesInPoolHeaders + stats.BytesLostToQuantization);

        string report = stats.ToString();
        Assert.Matches(new Regex(@"(?m)^ +2 +48 +3 +666 +354\r?$"), report);
        Assert.Matches(new Regex(@"(?m)^# arenas allocated current +=  +1\r?$"), report);
        Assert.Matches(new Regex(@"(?m)^# bytes in allocated blocks +=  +31,968\r?$"), report);
        Assert.Matches(new Regex(@"(?m)^fragmentation .*= +87\.8 ?%\r?$"), report);
        foreach (Node node in nodes.Where((_, i) => i % 3 != 0))
        {
            node.DecRef();
        }
    }
}
