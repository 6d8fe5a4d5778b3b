using System;
using System.Linq;
using RefHeap;
using Xunit;

namespace RefHeap.Tests.Inspection;

public class HeapInspectorTests
{
    [Fact]
    public void MostCommonTypesCountsTrackedObjectsByType()
    {
        using var heap = new TestHeap();
        var nodes = Enumerable.Range(0, 3).Select(_ => new Node()).ToList();
        var cache = new Cache();

        var common = new HeapInspector().MostCommonTypes(2);

        Assert.Equal(new[] { ("Node", 3), ("Cache", 1) }, common);
        nodes.ForEach(n => n.DecRef());
        cache.DecRef();
    }

    [Fact]
    public void EachConstructedGenericTypeIsCountedUnderItsOwnName()
    {
        using var heap = new TestHeap();
        var nodeLists = new[] { new RefList<Node>(), new RefList<Node>() };
        var cacheList = new RefList<Cache>();

        var stats = new HeapInspector().TypeStats();

        Assert.Equal(2, stats["RefList<Node>"]);
        Assert.Equal(1, stats["RefList<Cache>"]);
        Assert.Equal(nodeLists, new HeapInspector().ByType("RefList<Node>"));
        Assert.Equal(new RefObject[] { cacheList }, new HeapInspector().ByType(typeof(RefList<Cache>)));
        Array.ForEach(nodeLists, l => l.DecRef());
        cacheList.DecRef();
    }

    [Fact]
    public void GrowthSinceReportsOnlyTypesThatGrew()
    {
        using var heap = new TestHeap();
        var inspector = new HeapInspector();
        var before = inspector.TakeSnapshot();
        var cache = new Cache { Entries = new RefList<Node>() };
        for (int i = 0; i < 4; i++)
        {
            using var node = new Node();
            cache.Entries.Add(node);
        }

        var growth = inspector.TakeSnapshot().GrowthSince(before);

        Assert.Equal(new[] { ("Node", 4, 4), ("Cache", 1, 1), ("RefList<Node>", 1, 1) }, growth);
        cache.DecRef();
        Assert.Empty(inspector.TakeSnapshot().GrowthSince(before));
    }

    [Fact]
    public void FindBackrefChainWalksFromTheRootDownToTheLeak()
    {
        using var heap = new TestHeap();
        var root = new Node("root");
        var middle = new Node("middle");
        var leaked = new Node("leaked");
        root.Next = middle;
        middle.Next = leaked;

        var chain = new HeapInspector().FindBackrefChain(leaked, o => o is Node { Name: "root" });

        Assert.Equal(new RefObject[] { root, middle, leaked }, chain);
        Assert.Empty(new HeapInspector().FindBackrefChain(leaked, o => o is Cache));
        Assert.Empty(new HeapInspector().FindBackrefChain(leaked, o => o is Node { Name: "root" }, maxDepth: 1));
        root.DecRef();
    }

    [Fact]
    public void FindBackrefChainByDefaultStopsAtTheObjectHeldFromOutsideTheHeap()
    {
        using var heap = new TestHeap();
        var cache = new Cache { Entries = new RefList<Node>() };
        using (var entry = new Node("entry"))
        {
            cache.Entries.Add(entry);
        }

        RefObject leaked = new HeapInspector().ByType("Node").Single();
        var chain = new HeapInspector().FindBackrefChain(leaked);

        Assert.Equal(new RefObject[] { cache, cache.Entries, leaked }, chain);
        cache.DecRef();
    }

    [Fact]
    public void FindBackrefChainIgnoresWeakReferences()
    {
        using var heap = new TestHeap();
        var target = new Node("target");
        var watcher = new Watcher { Watched = new WeakRef<Node>(target), Own = new Node("own") };

        var chain = new HeapInspector().FindBackrefChain(target, o => ReferenceEquals(o, watcher));

        Assert.Empty(chain);
        watcher.DecRef();
        target.DecRef();
    }

    [Fact]
    public void GetLeakingObjectsFindsObjectsNoTrackedObjectHolds()
    {
        using var heap = new TestHeap();
        var holder = new Node("holder");
        holder.Next = new Node("held");

        var leaking = new HeapInspector().GetLeakingObjects();

        Assert.Equal(new RefObject[] { holder }, leaking);
        holder.DecRef();
    }

    [Fact]
    public void BadArgumentsAreRefused()
    {
        using var heap = new TestHeap();
        var inspector = new HeapInspector();
        using var node = new Node();

        Assert.Throws<ArgumentOutOfRangeException>(() => inspector.MostCommonTypes(0));
        Assert.Throws<ArgumentNullException>(() => inspector.ByType((string)null!));
        Assert.Throws<ArgumentNullException>(() => inspector.FindBackrefChain(null!));
        Assert.Throws<ArgumentOutOfRangeException>(() => inspector.FindBackrefChain(node, maxDepth: -1));
    }

    [Fact]
    public void AnInspectorNeedsItsHeapWhileAnotherThreadHoldsIt()
    {
        var heap = new Heap { AcquireTimeout = TimeSpan.Zero };
        _ = new HeapInspector(heap);
        Exception? refused = null;
        var thread = new System.Threading.Thread(() =>
        {
            try
            {
                _ = new HeapInspector(heap);
            }
            catch (Exception ex)
            {
                refused = ex;
            }
        });
        thread.Start();
        thread.Join();

        Assert.IsType<HeapThreadException>(refused);
        Assert.True(heap.Release());
    }
}

/// <summary>A holder of a list, the shape of the leaks the inspector hunts.</summary>
internal sealed class Cache : RefObject
{
    public RefList<Node>? Entries;
}

/// <summary>A tracked object (it owns <see cref="Own"/>) that watches another through a weak field.</summary>
internal sealed class Watcher : RefObject
{
    public Node? Own;

    public WeakRef<Node>? Watched;
}
