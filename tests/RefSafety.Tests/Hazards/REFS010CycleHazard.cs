using RefHeap;
using Xunit;

namespace RefSafety.Tests.Hazards;

/// <summary>REFS010: the objects of a cycle built in a method survive their owners' releases until Gc.Collect.</summary>
public class REFS010CycleHazard
{
    [Fact]
    public void CycleBuiltByTheMethodSurvivesUntilTheCollectorRuns()
    {
        using var heap = new HazardHeap();
        var a = new Link();
        var b = new Link();
        RefField.Set(ref a.Next, b);
        RefField.Set(ref b.Next, a);   // REFS010: a.Next → b.Next → a
        a.DecRef();
        b.DecRef();

        Assert.True(a.IsAlive);
        Assert.True(b.IsAlive);
        Assert.Equal(2, heap.Heap.LiveObjectCount);
        Assert.Equal(2, Gc.Collect());
        Assert.False(a.IsAlive);
        Assert.False(b.IsAlive);
    }

    [Fact]
    public void WithAWeakBackEdgeReferenceCountingFreesBoth()
    {
        using var heap = new HazardHeap();
        var a = new Link();
        var b = new Link();
        RefField.Set(ref a.Next, b);
        b.Back = new WeakRef<Link>(a);
        a.DecRef();
        b.DecRef();

        Assert.False(a.IsAlive);
        Assert.False(b.IsAlive);
        Assert.Null(b.Back.Target);
        Assert.Equal(0, heap.Heap.LiveObjectCount);
        Assert.Equal(0, Gc.Collect());
    }

    [Fact]
    public void CycleBrokenBeforeTheReleaseIsFreedByReferenceCounting()
    {
        using var heap = new HazardHeap();
        var a = new Link();
        var b = new Link();
        RefField.Set(ref a.Next, b);
        RefField.Set(ref b.Next, a);
        RefField.Clear(ref b.Next);
        a.DecRef();
        b.DecRef();

        Assert.Equal(0, heap.Heap.LiveObjectCount);
    }

    private sealed class Link : RefObject
    {
        public Link? Next;
        public WeakRef<Link>? Back;
    }
}
