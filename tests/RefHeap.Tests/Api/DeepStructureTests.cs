using RefHeap;
using Xunit;

namespace RefHeap.Tests.Api;

/// <summary>Deallocation and collection use work lists, never recursion: a million-long chain needs constant stack.</summary>
public class DeepStructureTests
{
    private const int Length = 1_000_000;

    [Fact]
    public void AMillionLongChainIsReleasedByOneDecRef()
    {
        using var heap = new TestHeap();
        Node head = BuildChain(out _);

        head.DecRef();

        Assert.Equal(0, heap.Heap.LiveObjectCount);
    }

    [Fact]
    public void AMillionLongCycleIsFreedByTheCollector()
    {
        using var heap = new TestHeap();
        Node head = BuildChain(out Node tail);
        tail.Next = head; // close the ring: the chain's first reference now lives in the last node

        Assert.Equal(Length, heap.Heap.LiveObjectCount);
        Assert.Equal(Length, Gc.Collect());
        Assert.Equal(0, heap.Heap.LiveObjectCount);
    }

    [Fact]
    public void AMillionDeepNestOfListsIsReleasedWithoutRecursion()
    {
        using var heap = new TestHeap();
        var outer = new RefList<RefObject>();
        for (int i = 0; i < Length; i++)
        {
            var inner = new RefList<RefObject>();
            inner.Add(outer);
            outer.DecRef();
            outer = inner;
        }

        outer.DecRef();

        Assert.Equal(0, heap.Heap.LiveObjectCount);
    }

    private static Node BuildChain(out Node tail)
    {
        var head = new Node();
        tail = head;
        for (int i = 1; i < Length; i++)
        {
            var next = new Node();
            tail.Next = next;
            tail = next;
        }

        return head;
    }
}
