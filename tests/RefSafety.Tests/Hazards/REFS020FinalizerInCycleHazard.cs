using System.Collections.Generic;
using System.Linq;
using RefHeap;
using Xunit;

namespace RefSafety.Tests.Hazards;

/// <summary>
/// REFS020: a finalizer on an object in, or held by, a cycle: in legacy mode the cycle is uncollectable and lands in
/// Gc.Garbage with its finalizers never run; under PEP 442 they run only when the collector runs, in no defined order.
/// </summary>
public class REFS020FinalizerInCycleHazard
{
    [Fact]
    public void LegacyModeLeavesTheCycleInGarbageAndNeverFinalizes()
    {
        using var heap = new HazardHeap(FinalizationMode.Legacy);
        var log = new List<string>();
        (Finalized parent, Finalized child, Handle handle) = MakeCycleHoldingAHandle(log);

        Gc.Collect();

        Assert.Empty(log);                           // no finalizer ever ran
        Assert.Contains(parent, Gc.Garbage);         // uncollectable: kept alive in Gc.Garbage
        Assert.Contains(child, Gc.Garbage);
        Assert.True(handle.IsAlive);                 // held by the uncollectable cycle
        Gc.Collect();
        Assert.Empty(log);                           // and it stays so, collection after collection
        Assert.True(parent.IsAlive && child.IsAlive && handle.IsAlive);
    }

    [Fact]
    public void Pep442ModeFinalizesOnlyWhenTheCollectorRuns()
    {
        using var heap = new HazardHeap();
        var log = new List<string>();
        MakeCycleHoldingAHandle(log);

        Assert.Empty(log);                           // every owner released, nothing finalized
        Gc.Collect();

        Assert.Equal(3, log.Count);
        Assert.Contains("handle", log);
        Assert.Equal(0, heap.Heap.LiveObjectCount);
    }

    [Fact]
    public void WithAWeakBackEdgeFinalizersRunAtTheRelease()
    {
        using var heap = new HazardHeap(FinalizationMode.Legacy);
        var log = new List<string>();
        var parent = new Finalized(log, "parent");
        var child = new Finalized(log, "child");
        parent.Handle = new Handle(log);
        RefField.Set(ref parent.Child, child);
        child.WeakParent = new WeakRef<Finalized>(parent);
        child.DecRef();

        parent.DecRef();

        // Reference counting finalizes at once and in a defined order: the owner first, then what it held.
        Assert.Equal(3, log.Count);
        Assert.Equal("parent", log[0]);
        Assert.Equal(new[] { "child", "handle" }, log.GetRange(1, 2).OrderBy(s => s));
        Assert.Equal(0, heap.Heap.LiveObjectCount);
        Assert.Equal(0, Gc.Collect());
        Assert.Empty(Gc.Garbage);
    }

    /// <summary>parent ⇄ child (strong both ways), parent holds a handle with a finalizer; every owner released (the results are borrowed).</summary>
    private static (Finalized Parent, Finalized Child, Handle Handle) MakeCycleHoldingAHandle(List<string> log)
    {
        var parent = new Finalized(log, "parent");
        var child = new Finalized(log, "child");
        parent.Handle = new Handle(log);
        RefField.Set(ref parent.Child, child);
        RefField.Set(ref child.Parent, parent);     // REFS011 / REFS020: Parent closes the cycle
        child.DecRef();
        parent.DecRef();
        return (parent, child, parent.Handle);
    }

    private sealed class Finalized : RefObject
    {
        private readonly List<string> _log;
        private readonly string _name;

        public Finalized(List<string> log, string name)
        {
            _log = log;
            _name = name;
        }

        public Finalized? Child;
        public Finalized? Parent;
        public WeakRef<Finalized>? WeakParent;
        public Handle? Handle;

        protected override void OnFinalize() => _log.Add(_name);
    }

    private sealed class Handle : RefObject
    {
        private readonly List<string> _log;

        public Handle(List<string> log) => _log = log;

        protected override void OnFinalize() => _log.Add("handle");
    }
}
