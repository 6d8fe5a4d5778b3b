using System;
using RefHeap;
using Xunit;

namespace RefHeap.Tests.Api;

public class HeapIsolationTests
{
    private sealed class CollectsOtherHeapWhenFinalized : RefObject
    {
        public RefObject? Partner;

        public Heap? Other;

        public long OtherCollected = -1;

        protected override void OnFinalize()
        {
            using HeapScope scope = Other!.Activate();
            OtherCollected = Gc.Collect();
        }
    }

    [Fact]
    public void EachHeapCollectsOnlyItsOwnObjects()
    {
        var first = new Heap();
        var second = new Heap();
        Node inFirst;
        using (first.Activate())
        {
            inFirst = new Node();
            inFirst.Next = inFirst;
            inFirst.IncRef();
            inFirst.DecRef();
        }

        using (second.Activate())
        {
            Assert.Equal(0, Gc.Collect());
            Assert.Empty(Gc.GetObjects());
        }

        Assert.True(inFirst.IsAlive);
        Assert.Same(first, inFirst.Heap);
        using (first.Activate())
        {
            Assert.Equal(1, Gc.Collect());
        }
    }

    [Fact]
    public void AReferenceFromAnotherHeapKeepsAnObjectAlive()
    {
        var owner = new Heap();
        var holderHeap = new Heap();
        var target = new Node(owner) { Name = "target" };
        target.Next = target;
        target.IncRef();
        var holder = new Node(holderHeap);
        RefField.Set(ref holder.Next, target);
        target.DecRef();

        using (owner.Activate())
        {
            Assert.Equal(0, Gc.Collect());
        }

        Assert.True(target.IsAlive);
        holder.DecRef();
        using (owner.Activate())
        {
            Assert.Equal(1, Gc.Collect());
        }
    }

    [Fact]
    public void ACollectionStartedByAFinalizerOnAnotherHeapDoesNotDisturbTheRunningOne()
    {
        var other = new Heap();
        using (other.Activate())
        {
            var stray = new Node();
            stray.Next = stray;
        }

        using var heap = new TestHeap();
        var finalized = new CollectsOtherHeapWhenFinalized { Other = other };
        var partner = new Node();
        finalized.Partner = partner;
        partner.Next = finalized;
        finalized.IncRef();
        finalized.DecRef();

        Assert.Equal(2, Gc.Collect());
        Assert.Equal(1, finalized.OtherCollected);
        Assert.False(partner.IsAlive);
    }

    [Fact]
    public void UsingAHeapFromAnotherThreadThrows()
    {
        using var heap = new TestHeap();
        heap.Heap.AcquireTimeout = TimeSpan.Zero;
        var node = new Node();
        Exception? caught = null;
        var thread = new System.Threading.Thread(() => caught = Record.Exception(() => node.IncRef()));
        thread.Start();
        thread.Join();

        Assert.IsType<HeapThreadException>(caught);
        Assert.Equal(1, node.RefCount);
        node.DecRef();
    }
}
