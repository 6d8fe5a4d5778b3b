using RefHeap;
using Xunit;

namespace RefSafety.Tests.Hazards;

/// <summary>REFS011: a Tree with a strong Parent leaks every parent/child pair until Gc.Collect; a weak Parent does not.</summary>
public class REFS011TypeCycleHazard
{
    [Fact]
    public void StrongParentKeepsTheWholeTreeAliveUntilTheCollectorRuns()
    {
        using var heap = new HazardHeap();
        var root = new StrongTree();
        for (int i = 0; i < 3; i++)
        {
            var child = new StrongTree();
            root.Children.Add(child);            // the list IncRefs: the child has 2 owners
            RefField.Set(ref child.Parent, root);
            child.DecRef();
        }

        root.DecRef();

        Assert.True(root.IsAlive);
        Assert.Equal(8, heap.Heap.LiveObjectCount);   // 4 trees and their 4 lists
        Assert.Equal(8, Gc.Collect());
        Assert.Equal(0, heap.Heap.LiveObjectCount);
    }

    [Fact]
    public void WeakParentLetsReferenceCountingFreeTheTree()
    {
        using var heap = new HazardHeap();
        var root = new WeakTree();
        var child = new WeakTree();
        root.Children.Add(child);
        child.Parent = new WeakRef<WeakTree>(root);
        Assert.Same(root, child.Parent.Target);
        child.DecRef();

        root.DecRef();

        Assert.False(root.IsAlive);
        Assert.False(child.IsAlive);
        Assert.Equal(0, heap.Heap.LiveObjectCount);
    }

    private sealed class StrongTree : RefObject
    {
        public RefList<StrongTree> Children = new();
        public StrongTree? Parent;
    }

    private sealed class WeakTree : RefObject
    {
        public RefList<WeakTree> Children = new();
        public WeakRef<WeakTree>? Parent;
    }
}
