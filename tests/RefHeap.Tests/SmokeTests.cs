using RefHeap;
using Xunit;

namespace RefHeap.Tests;

public class SmokeTests
{
    [Fact]
    public void TwoObjectCycleIsFoundAndFreed()
    {
        using var heap = new TestHeap();
        var a = new Node();
        var b = new Node();
        a.Next = b;
        b.IncRef();
        b.Next = a;
        a.IncRef();
        a.DecRef();
        b.DecRef();
        Assert.True(a.IsAlive);
        Assert.Equal(2, Gc.Collect());
        Assert.False(a.IsAlive);
        Assert.False(b.IsAlive);
        Assert.Equal(0, heap.Heap.LiveObjectCount);
    }
}
